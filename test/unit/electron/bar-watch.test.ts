// Per-client live bars (electron/bar-watch.ts): what a client that watches some symbols gets of
// a bars:tick, and the watch a bars:watch result sets. The transports' use of it is tested in
// headless-server.test.ts and ipc.test.ts; the engine's check of the symbols here.
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../engine/api/contract';
import { eventForWatch, watchKey, watchSetBy } from '../../../electron/bar-watch';
import { makeHarness, type Harness } from '../engine/harness';

const bar = { t: 60_000, o: 1, h: 2, l: 0.5, c: 1.5, v: 10 };
const tick = (...symbols: string[]): EngineEvent => ({ name: 'bars:tick', payload: { timeframe: '1Min', ticks: symbols.map((symbol) => ({ symbol, bar })) } });

describe('eventForWatch', () => {
  it('passes everything to a client that never asked', () => {
    const e = tick('AAPL', 'MSFT');
    expect(eventForWatch(e, null)).toBe(e);
  });
  it('keeps only the watched symbols of a tick, and nothing when none is in it', () => {
    expect(eventForWatch(tick('AAPL', 'MSFT', 'SPY'), new Set(['SPY', 'AAPL']))).toEqual(tick('AAPL', 'SPY'));
    expect(eventForWatch(tick('MSFT'), new Set(['AAPL']))).toBeNull();
    expect(eventForWatch(tick('AAPL'), new Set())).toBeNull();
  });
  it('never filters other events', () => {
    const e: EngineEvent = { name: 'readiness:updated', payload: [] };
    expect(eventForWatch(e, new Set())).toBe(e);
  });
});

describe('watchSetBy and watchKey', () => {
  it('only a successful bars:watch sets a watch', () => {
    expect([...(watchSetBy('bars:watch', { ok: true, value: { symbols: ['AAPL', 'SPY'] } }) ?? [])]).toEqual(['AAPL', 'SPY']);
    expect(watchSetBy('bars:watch', { ok: false, error: { code: 'unknown_symbol', message: 'x' } })).toBeUndefined();
    expect(watchSetBy('bars:history', { ok: true, value: { symbols: ['AAPL'] } })).toBeUndefined();
  });
  it('is the same key for the same symbols in any order, and another for no watch', () => {
    expect(watchKey(new Set(['SPY', 'AAPL']))).toBe(watchKey(new Set(['AAPL', 'SPY'])));
    expect(watchKey(null)).not.toBe(watchKey(new Set()));
  });
});

describe('the engine checks a watch', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h?.cleanup();
    h = null;
  });
  it('answers the known symbols once each, and refuses an unknown one by name', async () => {
    h = await makeHarness();
    expect(await h.engine.dispatch('bars:watch', { symbols: ['AAPL', 'AAPL', 'SPY'] })).toEqual({ ok: true, value: { symbols: ['AAPL', 'SPY'] } });
    expect(await h.engine.dispatch('bars:watch', { symbols: [] })).toEqual({ ok: true, value: { symbols: [] } });
    const r = await h.engine.dispatch('bars:watch', { symbols: ['AAPL', 'ZZZZ'] });
    expect(!r.ok && r.error).toMatchObject({ code: 'unknown_symbol', message: expect.stringMatching(/unknown symbol ZZZZ; known: .*AAPL/) });
  });
});
