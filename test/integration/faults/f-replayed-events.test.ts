// (f) Replayed trade updates: every fill sent three times, the last fills sent again, and again
// when the stream reconnects. Adapter-level de-duplication by execution_id is in
// alpaca/broker.test.ts; this suite proves the journal (fills, positions, cash) counts each once.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectConsistentAndVisible } from './common';
import { removeTempDirs, stopFaultRun } from './harness';
import { replayedEvents, type Outcome } from './scenarios';

let o: Outcome | null = null;
afterEach(async () => {
  await stopFaultRun(o?.run ?? null);
  o = null;
});
afterAll(() => removeTempDirs());

describe('fault: replayed events', () => {
  it('each execution is applied once however often it is delivered; the reconnect is shown', async () => {
    o = await replayedEvents();
    expectConsistentAndVisible(o, { alerts: [/^broker_lost: .*trade-updates stream lost/], audit: [/Broker connection restored/] });
    expect(o.run.rt.alpaca.counters.duplicateFills).toBeGreaterThanOrEqual(4);
    expect(o.run.rt.store.countFills()).toBe(2);
    const cash = o.run.rt.engine.state.account.cash;
    const emuCash = Number((o.run.emu.exchange.account() as { cash: number }).cash);
    expect(Math.abs(cash - emuCash)).toBeLessThan(0.01);
  });
});
