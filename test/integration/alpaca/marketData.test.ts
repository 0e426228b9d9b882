// AlpacaMarketData against the emulator: assets, paginated history through a bar cache, live bars
// over the msgpack streams, gap backfill after an outage, the clock.
import { afterEach, describe, expect, it } from 'vitest';
import type { AlpacaClient } from '../../../engine/adapters/alpaca/client';
import { AlpacaMarketData, type AlpacaMarketDataOptions, type BarCache } from '../../../engine/adapters/alpaca/marketData';
import type { Bar, Timeframe } from '../../../engine/domain/types';
import type { Emulator, EmulatorOptions } from '../../emulator/server';
import { clientFor, emulator, recordingLog, T0, waitFor, type LogLine } from './harness';

interface Rig {
  emu: Emulator;
  client: AlpacaClient;
  md: AlpacaMarketData;
  batches: { symbol: string; bar: Bar }[][];
  lines: LogLine[];
}

const rigs: Rig[] = [];

async function rig(opts: Partial<AlpacaMarketDataOptions> = {}, emuOpts: EmulatorOptions = {}): Promise<Rig> {
  const emu = await emulator(emuOpts);
  const client = clientFor(emu);
  const { log, lines } = recordingLog();
  const md = new AlpacaMarketData(client, {
    symbols: ['AAPL', 'MSFT', 'BTC/USD'],
    historyLimit: 300,
    clock: { now: () => emu.market.now },
    log,
    stream: { initialReconnectMs: 50, maxReconnectMs: 200 },
    ...opts,
  });
  const batches: { symbol: string; bar: Bar }[][] = [];
  md.onBars((b) => batches.push(b));
  const r = { emu, client, md, batches, lines };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    r.md.stop();
    r.client.close();
    await r.emu.close();
  }
});

function emuBars(emu: Emulator, symbol: string, tf: Timeframe, count: number): Bar[] {
  const tfMs = { '1Min': 60_000, '5Min': 300_000, '15Min': 900_000, '1Hour': 3_600_000, '1Day': 86_400_000 }[tf];
  return emu.market
    .bars(symbol, tfMs, 0, emu.market.now - tfMs)
    .slice(-count)
    .map((b) => ({ t: b.t, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v }));
}

class MemoryCache implements BarCache {
  readonly saved = new Map<string, Bar[]>();
  saveBars(symbol: string, timeframe: Timeframe, bars: Bar[]): void {
    const key = `${symbol}|${timeframe}`;
    const all = [...(this.saved.get(key) ?? []), ...bars];
    const byT = new Map(all.map((b) => [b.t, b]));
    this.saved.set(key, [...byT.values()].sort((a, b) => a.t - b.t));
  }
  loadBars(symbol: string, timeframe: Timeframe, fromT: number, toT: number): Bar[] {
    return (this.saved.get(`${symbol}|${timeframe}`) ?? []).filter((b) => b.t >= fromT && b.t <= toT);
  }
}

describe('load', () => {
  it('reads instruments from asset metadata and history over several pages, equal to the emulator bars', async () => {
    const r = await rig({ pageLimit: 100 });
    expect(await r.md.load()).toEqual({ ok: true, value: undefined });
    expect(r.md.instruments()).toEqual([
      expect.objectContaining({ symbol: 'AAPL', assetClass: 'us_equity', fractionable: true, shortable: true, qtyIncrement: 1, priceIncrement: 0.01 }),
      expect.objectContaining({ symbol: 'MSFT', assetClass: 'us_equity' }),
      expect.objectContaining({ symbol: 'BTC/USD', assetClass: 'crypto', priceIncrement: 1, qtyIncrement: 1e-9, shortable: false }),
    ]);
    expect(r.emu.requestCount('GET', '/v2/stocks/bars')).toBeGreaterThan(10);
    for (const s of ['AAPL', 'MSFT', 'BTC/USD']) {
      expect(r.md.history(s, 300)).toEqual(emuBars(r.emu, s, '1Min', 300));
    }
    expect(r.md.history('AAPL', 5)).toEqual(emuBars(r.emu, 'AAPL', '1Min', 5));
    expect(r.md.lastPrice('BTC/USD')).toBe(r.emu.market.lastPrice('BTC/USD'));
  });

  it('an unknown symbol fails the load with a sentence naming it', async () => {
    const r = await rig({ symbols: ['AAPL', 'ZZZZ'] });
    expect(await r.md.load()).toEqual({ ok: false, kind: 'not_found', message: 'Alpaca does not know the symbol ZZZZ' });
  });

  it('with a bar cache, a second load fetches only the bars the cache lacks', async () => {
    const cache = new MemoryCache();
    const first = await rig({ cache, symbols: ['AAPL'] });
    await first.md.load();
    expect(cache.saved.get('AAPL|1Min')?.length).toBeGreaterThanOrEqual(300);
    first.emu.advance(7);
    const before = first.emu.requests.length;
    const second = new AlpacaMarketData(first.client, { symbols: ['AAPL'], historyLimit: 300, clock: { now: () => first.emu.market.now }, cache, log: recordingLog().log });
    expect(await second.load()).toEqual({ ok: true, value: undefined });
    expect(second.history('AAPL', 300)).toEqual(emuBars(first.emu, 'AAPL', '1Min', 300));
    const barRequests = first.emu.requests.slice(before).filter((q) => q.path === '/v2/stocks/bars');
    expect(barRequests).toHaveLength(1);
    // only the 7 new minutes were asked for
    expect(cache.saved.get('AAPL|1Min')?.at(-1)?.t).toBe(first.emu.market.now - 60_000);
  });

  it('reads the market clock', async () => {
    const r = await rig();
    expect(await r.md.getClock()).toEqual({ ok: true, value: { timestamp: T0, isOpen: true, nextOpen: expect.any(Number), nextClose: expect.any(Number) } });
  });
});

describe('live bars', () => {
  it('stream bars (msgpack) arrive in one batch per tick for stocks and crypto', async () => {
    const r = await rig();
    await r.md.load();
    r.md.start();
    await waitFor(() => r.md.status.connected, 'both streams to subscribe');
    r.emu.advance(1);
    await waitFor(() => r.batches.flat().length === 3, 'three bars');
    expect(r.batches.flat().map((b) => b.symbol).sort()).toEqual(['AAPL', 'BTC/USD', 'MSFT']);
    for (const s of ['AAPL', 'MSFT', 'BTC/USD']) expect(r.md.history(s, 1)).toEqual(emuBars(r.emu, s, '1Min', 1));
    expect(r.md.counters.liveBars).toBe(3);
  });

  it('after an outage the gap is backfilled in order, once, before live bars resume', async () => {
    const r = await rig({ symbols: ['AAPL', 'BTC/USD'] });
    await r.md.load();
    r.md.start();
    await waitFor(() => r.md.status.connected, 'the streams to subscribe');
    r.emu.advance(1);
    await waitFor(() => r.batches.flat().length === 2, 'the first live bars');
    r.emu.dropStreams('data', 300);
    await waitFor(() => !r.md.status.connected, 'the outage to show');
    r.emu.advance(5);
    await waitFor(() => r.md.counters.backfilledBars === 10, 'the backfill of 5 minutes x 2 symbols', 5_000);
    await waitFor(() => r.md.status.connected, 'the streams to come back');
    r.emu.advance(1);
    await waitFor(() => r.batches.flat().length === 14, 'live bars after the backfill');
    for (const s of ['AAPL', 'BTC/USD']) {
      const seen = r.batches.flat().filter((b) => b.symbol === s).map((b) => b.bar);
      expect(seen).toEqual(emuBars(r.emu, s, '1Min', 7));
    }
    expect(r.md.counters.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('with a 5Min timeframe, minute bars are aggregated and a bucket is delivered once complete', async () => {
    const r = await rig({ symbols: ['MSFT'], timeframe: '5Min', historyLimit: 50 });
    await r.md.load();
    expect(r.md.history('MSFT', 50)).toEqual(emuBars(r.emu, 'MSFT', '5Min', 50));
    r.md.start();
    await waitFor(() => r.md.status.connected, 'the stream to subscribe');
    r.emu.advance(2);
    // a load in the middle of a bucket keeps only finished buckets
    const midway = new AlpacaMarketData(r.client, { symbols: ['MSFT'], timeframe: '5Min', historyLimit: 50, clock: { now: () => r.emu.market.now }, log: recordingLog().log });
    await midway.load();
    expect(midway.history('MSFT', 1)[0]?.t).toBe(T0 - 300_000);
    r.emu.advance(4);
    await waitFor(() => r.batches.length === 1, 'one 5-minute bar');
    const [expected] = r.emu.market.bars('MSFT', 300_000, T0, T0).map((b) => ({ t: b.t, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v }));
    expect(r.batches[0]?.[0]).toEqual({ symbol: 'MSFT', bar: expected });
  });

  it('a malformed market-data message is logged with its raw body and skipped', async () => {
    const r = await rig({ symbols: ['AAPL'] });
    await r.md.load();
    r.md.start();
    await waitFor(() => r.md.status.connected, 'the stream to subscribe');
    r.emu.streams.sendRawData([{ T: 'b', S: 'AAPL', o: 'abc', h: 1, l: 1, c: 1, v: 1, t: new Date(r.emu.market.now) }]);
    await waitFor(() => r.md.counters.malformed === 1, 'the malformed bar');
    expect(r.lines.find((l) => /live stocks bar was skipped/.test(l.message))?.data).toEqual({ raw: expect.stringMatching(/^msgpack:/) });
    expect(r.batches).toHaveLength(0);
    r.emu.advance(1);
    await waitFor(() => r.batches.length === 1, 'a valid bar');
  });
});
