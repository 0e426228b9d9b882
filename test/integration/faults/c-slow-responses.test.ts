// (c) Submits slower than the client timeout (800 ms here). Adapter-level: broker.test.ts proves a
// timed-out submit is looked up, never re-posted. Here, through the engine: the order handled
// before the late answer is found by client_order_id; the one handled only after the client gave
// up (and was reported not placed) is taken back into the journal when it turns up, loudly.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectConsistentAndVisible } from './common';
import { removeTempDirs, stopFaultRun } from './harness';
import { slowResponses, type Outcome } from './scenarios';

let o: Outcome | null = null;
afterEach(async () => {
  await stopFaultRun(o?.run ?? null);
  o = null;
});
afterAll(() => removeTempDirs());

describe('fault: slow responses', () => {
  it('no order is duplicated; a late arrival is adopted with an alert; the status line showed the timeout', async () => {
    o = await slowResponses();
    const [slowAnswer, tooLate] = o.answers;
    expect(slowAnswer?.ok, slowAnswer?.message).toBe(true);
    expect(tooLate?.ok).toBe(false);
    expect(tooLate?.message).toMatch(/did not answer in time/);
    // one POST per order: three orders (baseline + two), each once at the emulator
    expect(o.run.emu.requestCount('POST', '/v2/orders')).toBe(3);
    expect(o.run.emu.exchange.listOrders()).toHaveLength(3);
    expect(o.statusDuring?.connected).toBe(false);
    expect(o.statusDuring?.message).toMatch(/did not answer in time/);
    expectConsistentAndVisible(o, {
      alerts: [/^broker_lost: .*did not answer in time/, /^reconciliation: .*reported as not placed, but the broker received it late/],
      audit: [/Broker connection restored/],
    });
  });
});
