// (a) A storm of 429s (Retry-After) on every trading request, submits and reads, through the real
// runtime. Adapter-level 429 handling (a POST is never retried, a GET is retried after
// Retry-After) is proven in test/integration/alpaca/broker.test.ts and contract.test.ts, and the
// shared request budget in rateLimit.test.ts; this suite proves the engine's end state.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectConsistentAndVisible } from './common';
import { removeTempDirs, stopFaultRun } from './harness';
import { rateLimitStorm, type Outcome } from './scenarios';

let o: Outcome | null = null;
afterEach(async () => {
  await stopFaultRun(o?.run ?? null);
  o = null;
});
afterAll(() => removeTempDirs());

describe('fault: 429 storm', () => {
  it('an order placed in the storm is reported, never re-posted, and settled as unsent once the storm ends; reads fail visibly', async () => {
    o = await rateLimitStorm();
    const [answer] = o.answers;
    expect(answer?.ok).toBe(false);
    expect(answer?.message).toMatch(/request limit was reached/);
    // the baseline order and the one POST of the storm: the rate-limited POST was not repeated
    expect(o.run.emu.requestCount('POST', '/v2/orders')).toBe(2);
    // the requested run may find the periodic one (every 2 s while an order's state is unknown) already under way
    expectConsistentAndVisible(o, {
      audit: [/state unknown \(Alpaca's request limit was reached/, /Reconciliation \((requested|periodic)\) could not reach the broker: Alpaca's request limit/, /never reached the broker; marked unsent, not resent/],
    });
    const unsent = o.run.rt.store.listOrders('all', 10).find((r) => r.symbol === 'MSFT');
    expect(unsent?.status).toBe('unsent');
    expect(o.run.emu.exchange.listOrders().some((e) => e.symbol === 'MSFT')).toBe(false);
  });
});
