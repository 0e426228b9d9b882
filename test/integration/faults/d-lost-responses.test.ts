// (d) Lost submit answers: the emulator accepts the order then drops the connection
// (dropResponse), or hangs up without handling it. Adapter-level lookups are in broker.test.ts;
// the crash variant (killed between send and answer) in alpaca-runtime/crash.test.ts.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectConsistentAndVisible } from './common';
import { removeTempDirs, stopFaultRun } from './harness';
import { lostSubmitResponses, type Outcome } from './scenarios';

let o: Outcome | null = null;
afterEach(async () => {
  await stopFaultRun(o?.run ?? null);
  o = null;
});
afterAll(() => removeTempDirs());

describe('fault: lost submit responses', () => {
  it('an accepted order whose answer was lost is found by id and fills once; a hung-up one is reported not placed and does not exist', async () => {
    o = await lostSubmitResponses();
    const [dropped, hungUp] = o.answers;
    expect(dropped?.ok, dropped?.message).toBe(true);
    expect(hungUp?.ok).toBe(false);
    expect(hungUp?.message).toMatch(/not placed: could not reach Alpaca/);
    expect(o.run.emu.requestCount('POST', '/v2/orders')).toBe(3);
    expect(o.run.emu.exchange.listOrders().filter((e) => e.symbol === 'AAPL')).toHaveLength(1);
    expectConsistentAndVisible(o, {
      alerts: [/^broker_lost: .*other side closed/],
      audit: [/not placed: could not reach Alpaca/, /Broker connection restored/],
    });
  });
});
