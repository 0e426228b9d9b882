// The shared request budget against the emulator's own enforcement of Alpaca's limit (on a
// compressed clock: a "minute" is RATE_WINDOW_MS here, on both sides).
import { afterEach, describe, expect, it } from 'vitest';
import { AlpacaBroker } from '../../../engine/adapters/alpaca/broker';
import type { AlpacaClient } from '../../../engine/adapters/alpaca/client';
import { AlpacaMarketData } from '../../../engine/adapters/alpaca/marketData';
import type { Emulator } from '../../emulator/server';
import { clientFor, emulator, recordingLog, TEST_BUDGET } from './harness';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(deps: Parameters<typeof clientFor>[2] = {}): Promise<{ emu: Emulator; client: AlpacaClient; broker: AlpacaBroker }> {
  const emu = await emulator();
  // retries off: a 429 must show up as a failure, not be absorbed
  const client = clientFor(emu, {}, { maxRetries: 0, ...deps });
  const broker = new AlpacaBroker(client, { log: recordingLog().log });
  cleanup.push(() => emu.close(), () => client.close());
  return { emu, client, broker };
}

describe('shared request budget', () => {
  it('a burst of 260 calls from the broker and market data together never trips Alpaca\'s 200-per-minute limit', async () => {
    const { emu, client, broker } = await setup();
    const md = new AlpacaMarketData(client, { symbols: ['AAPL'], historyLimit: 10, clock: { now: () => emu.market.now }, log: recordingLog().log });
    const calls: Promise<{ ok: boolean }>[] = [];
    for (let i = 0; i < 200; i++) calls.push(broker.getAccount());
    for (let i = 0; i < 60; i++) calls.push(md.getClock());
    const results = await Promise.all(calls);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(emu.requests.filter((r) => r.status === 429)).toHaveLength(0);
    // the guarantee is on what leaves the client; arrivals shift by network latency, which the
    // margin absorbs: the emulator refused none
    expect(client.limiter.peak).toBeLessThanOrEqual(TEST_BUDGET);
    expect(client.limiter.admitted).toBe(260);
    // the budget paces 260 calls over about 3 s of compressed "minutes" plus the HTTP round
    // trips: more than the default 5 s on a busy 2-core machine
  }, 20_000);

  it('without the budget the same burst is refused by the emulator (the test above can fail)', async () => {
    const { emu, broker } = await setup({ rateWindowMs: 1 });
    const results = await Promise.all(Array.from({ length: 300 }, () => broker.getAccount()));
    const limited = results.filter((r) => !r.ok && r.kind === 'rate_limited');
    expect(limited.length).toBeGreaterThan(0);
    expect(emu.requests.filter((r) => r.status === 429).length).toBe(limited.length);
  });

  it('the emergency stop\'s calls go ahead of a queue of routine ones', async () => {
    const { emu, broker } = await setup();
    emu.submitOrder({ symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', limit_price: '1', time_in_force: 'gtc' });
    const done: string[] = [];
    const routine = Array.from({ length: 200 }, (_, i) => broker.getAccount().then(() => done.push(`routine-${i}`)));
    const urgent = broker.cancelAllOrders().then((r) => {
      done.push('cancel-all');
      return r;
    });
    expect(await urgent).toEqual({ ok: true, value: undefined });
    await Promise.all(routine);
    // 30 routine calls fit in the initial burst and the cancel is admitted next, not 201st; completion
    // order adds some noise (connections opened for the burst), hence the wide bound
    expect(done.indexOf('cancel-all')).toBeLessThan(100);
  });
});
