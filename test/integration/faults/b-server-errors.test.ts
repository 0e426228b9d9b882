// (b) 500/502/503 bursts on submit, cancel, the open-order list and the positions list. The
// adapter-level answers (a 5xx POST is looked up by client_order_id; a GET 5xx is retried) are in
// test/integration/alpaca/broker.test.ts; this suite proves the engine's end state and traces.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectConsistentAndVisible } from './common';
import { removeTempDirs, settle, stopFaultRun } from './harness';
import { serverErrorBursts, type Outcome } from './scenarios';

let o: Outcome | null = null;
afterEach(async () => {
  await stopFaultRun(o?.run ?? null);
  o = null;
});
afterAll(() => removeTempDirs());

describe('fault: 5xx bursts', () => {
  it('a 500 submit is looked up and reported not placed; a 502 cancel leaves the order open on both sides; 503 reads fail reconciliation visibly', async () => {
    o = await serverErrorBursts();
    const [placed, cancel] = o.answers;
    expect(placed?.ok).toBe(false);
    expect(placed?.message).toMatch(/not placed: Alpaca answered 500/);
    expect(cancel?.ok).toBe(false);
    expect(cancel?.message).toMatch(/cancel failed: Alpaca answered 502/);
    expectConsistentAndVisible(o, {
      audit: [/not placed: Alpaca answered 500/, /Reconciliation \(requested\) could not reach the broker: Alpaca answered 503/],
    });
    // the resting order survived the failed cancel; with the burst over the cancel goes through
    const resting = [...o.run.rt.engine.state.openOrders.values()].find((r) => r.symbol === 'MSFT');
    expect(resting).toBeDefined();
    const again = await o.run.rt.dispatch('orders:cancel', { clientOrderId: resting?.clientOrderId ?? '' });
    expect(again.ok, JSON.stringify(again)).toBe(true);
    const after = await settle(o.run);
    expect(after.problems).toEqual([]);
    expect(o.run.rt.engine.state.openOrders.size).toBe(0);
    const r = await o.run.rt.dispatch('reconcile:run', {});
    expect(r.ok && (r.value as unknown[]).length).toBe(0);
  });
});
