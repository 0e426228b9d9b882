// (g) Trade updates out of order and repeated: a partially filled order's events backwards (fill,
// then the partial fills, then new) with the fill twice; a market order's fill before its new;
// then a 'canceled' for an order that is already filled. Statuses only move forward
// (OrderManager.rank); fills are keyed by execution_id.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectConsistentAndVisible } from './common';
import { removeTempDirs, stopFaultRun } from './harness';
import { outOfOrderEvents, type Outcome } from './scenarios';

let o: Outcome | null = null;
afterEach(async () => {
  await stopFaultRun(o?.run ?? null);
  o = null;
});
afterAll(() => removeTempDirs());

describe('fault: out-of-order and duplicate events', () => {
  it('the journal ends filled with each execution once; the contradictory cancel is ignored and recorded', async () => {
    o = await outOfOrderEvents();
    const [partial, market] = o.answers;
    expect(partial?.ok && market?.ok).toBe(true);
    expectConsistentAndVisible(o, { audit: [/Ignored a late 'canceled' event for order .*: it is already filled/] });
    const msft = o.run.rt.store.getOrder(partial?.order?.clientOrderId ?? '');
    expect(msft).toMatchObject({ status: 'filled', filledQty: 5 });
    expect(o.run.emu.exchange.getByClientId(msft?.clientOrderId ?? '')?.status).toBe('filled');
    // three executions of 2, 2 and 1 (the emulator's partial-fill cap), each journaled once
    expect(o.run.rt.store.fillsForSymbol('MSFT', 100).map((f) => f.qty).sort()).toEqual([1, 2, 2]);
  });
});
