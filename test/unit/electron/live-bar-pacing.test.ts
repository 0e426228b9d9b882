import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../engine/api/contract';
import { LIVE_BAR_FRAME_MS, LIVE_BAR_MAX_TICKS_PER_FRAME, subscribePaced, type PacingTimers } from '../../../electron/live-bar-pacing';

/** a hand-driven clock: timers fire only when the test advances it */
function manualTimers() {
  let now = 1000;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: PacingTimers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      due.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void due.delete(h as number),
  };
  const advance = (ms: number): void => {
    now += ms;
    for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= now) {
        due.delete(id);
        t.fn();
      }
    }
  };
  return { timers, advance, pending: () => due.size };
}

function engineStub() {
  const listeners = new Set<(e: EngineEvent) => void>();
  return {
    subscribe: (l: (e: EngineEvent) => void) => (listeners.add(l), () => void listeners.delete(l)),
    emit: (e: EngineEvent) => listeners.forEach((l) => l(e)),
    count: () => listeners.size,
  };
}

const bar = (t: number) => ({ t, o: 1, h: 1, l: 1, c: 1, v: 1 });
const tick = (t: number, ...symbols: string[]): EngineEvent => ({ name: 'bars:tick', payload: { timeframe: '1Min', ticks: symbols.map((symbol) => ({ symbol, bar: bar(t) })) } });
const tickedSymbols = (e: EngineEvent | undefined) => (e?.name === 'bars:tick' ? e.payload.ticks.map((x) => `${x.symbol}@${x.bar.t}`) : null);

describe('subscribePaced (live bars at most LIVE_BAR_FRAME_MS apart)', () => {
  it('sends the first bars at once, then the ticks of a frame interval together, in order', () => {
    const { timers, advance } = manualTimers();
    const engine = engineStub();
    const got: EngineEvent[] = [];
    subscribePaced(engine.subscribe, (e) => e, (e) => got.push(e), { timers });
    engine.emit(tick(1, 'A', 'B'));
    expect(got.map(tickedSymbols)).toEqual([['A@1', 'B@1']]);
    engine.emit(tick(2, 'A'));
    engine.emit(tick(3, 'B'));
    advance(LIVE_BAR_FRAME_MS - 1);
    expect(got).toHaveLength(1);
    advance(1);
    expect(got.map(tickedSymbols)).toEqual([['A@1', 'B@1'], ['A@2', 'B@3']]);
    // quiet for longer than a frame: the next bar goes at once again
    advance(LIVE_BAR_FRAME_MS * 3);
    engine.emit(tick(4, 'C'));
    expect(got.map(tickedSymbols).at(-1)).toEqual(['C@4']);
  });

  it('passes other events straight through, and a fill first flushes the bars before it', () => {
    const { timers, advance, pending } = manualTimers();
    const engine = engineStub();
    const got: EngineEvent[] = [];
    subscribePaced(engine.subscribe, (e) => e, (e) => got.push(e), { timers });
    engine.emit(tick(1, 'A'));
    engine.emit(tick(2, 'A'));
    const audit: EngineEvent = { name: 'audit:appended', payload: { id: 1, at: 0, kind: 'signal', message: 'm', data: null } };
    engine.emit(audit);
    expect(got.map((e) => e.name)).toEqual(['bars:tick', 'audit:appended']);
    const fill = { name: 'fills:new', payload: { id: 'f1' } } as unknown as EngineEvent;
    engine.emit(fill);
    expect(got.map((e) => e.name)).toEqual(['bars:tick', 'audit:appended', 'bars:tick', 'fills:new']);
    expect(tickedSymbols(got[2])).toEqual(['A@2']);
    expect(pending()).toBe(0);
    advance(LIVE_BAR_FRAME_MS);
    expect(got).toHaveLength(4);
  });

  it('never merges ticks of two timeframes into one frame', () => {
    const { timers } = manualTimers();
    const engine = engineStub();
    const got: EngineEvent[] = [];
    subscribePaced(engine.subscribe, (e) => e, (e) => got.push(e), { timers });
    engine.emit(tick(1, 'A'));
    engine.emit(tick(2, 'A'));
    engine.emit({ name: 'bars:tick', payload: { timeframe: '5Min', ticks: [{ symbol: 'A', bar: bar(3) }] } });
    expect(got.map((e) => (e.name === 'bars:tick' ? e.payload.timeframe : e.name))).toEqual(['1Min', '1Min']);
  });

  it('unsubscribing drops unsent bars, cancels the timer and leaves the engine', () => {
    const { timers, advance, pending } = manualTimers();
    const engine = engineStub();
    const got: EngineEvent[] = [];
    const stop = subscribePaced(engine.subscribe, (e) => e, (e) => got.push(e), { timers });
    engine.emit(tick(1, 'A'));
    engine.emit(tick(2, 'A'));
    stop();
    expect(pending()).toBe(0);
    expect(engine.count()).toBe(0);
    advance(LIVE_BAR_FRAME_MS * 2);
    expect(got).toHaveLength(1);
  });

  it('paces what the client watches: ticks of other symbols neither go out nor hurry a frame', () => {
    const { timers, advance } = manualTimers();
    const engine = engineStub();
    const got: EngineEvent[] = [];
    const onlyB = (e: EngineEvent): EngineEvent | null => {
      if (e.name !== 'bars:tick') return e;
      const ticks = e.payload.ticks.filter((t) => t.symbol === 'B');
      return ticks.length ? { name: 'bars:tick', payload: { ...e.payload, ticks } } : null;
    };
    subscribePaced(engine.subscribe, onlyB, (e) => got.push(e), { timers });
    engine.emit(tick(1, 'A', 'B'));
    const many = Array.from({ length: LIVE_BAR_MAX_TICKS_PER_FRAME * 2 }, (_, i) => `X${i}`);
    engine.emit(tick(2, ...many, 'B'));
    expect(got.map(tickedSymbols)).toEqual([['B@1']]);
    advance(LIVE_BAR_FRAME_MS);
    expect(got.map(tickedSymbols)).toEqual([['B@1'], ['B@2']]);
  });

  it('sends a frame early once it holds LIVE_BAR_MAX_TICKS_PER_FRAME ticks', () => {
    const { timers, pending } = manualTimers();
    const engine = engineStub();
    const got: EngineEvent[] = [];
    subscribePaced(engine.subscribe, (e) => e, (e) => got.push(e), { timers });
    engine.emit(tick(1, 'A'));
    const half = Array.from({ length: LIVE_BAR_MAX_TICKS_PER_FRAME / 2 }, (_, i) => `S${i}`);
    engine.emit(tick(2, ...half));
    expect(got).toHaveLength(1);
    engine.emit(tick(3, ...half));
    expect(got).toHaveLength(2);
    expect(got[1]?.name === 'bars:tick' && got[1].payload.ticks.length).toBe(LIVE_BAR_MAX_TICKS_PER_FRAME);
    expect(pending()).toBe(0);
  });

  it('with a frame of 0 sends every turn at once', () => {
    const { timers } = manualTimers();
    const engine = engineStub();
    const got: EngineEvent[] = [];
    subscribePaced(engine.subscribe, (e) => e, (e) => got.push(e), { timers, frameMs: 0 });
    for (let i = 1; i <= 3; i++) engine.emit(tick(i, 'A'));
    expect(got.map(tickedSymbols)).toEqual([['A@1'], ['A@2'], ['A@3']]);
  });
});
