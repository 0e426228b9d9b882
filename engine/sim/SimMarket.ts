// The built-in simulated market: seeded, deterministic price paths with regimes (trend up,
// trend down, range, volatility burst) and session gaps, delivering live bars at a configurable
// speed. Bar i of a symbol depends only on (seed, symbol, i) and the previous close, so a
// restart resumes the path from its saved cursor.
import type { Bar, Instrument, Timeframe } from '../domain/types';
import { TIMEFRAME_MS } from '../domain/types';
import type { Clock, MarketData } from '../ports';
import { BarColumnBuffer } from '../data/BarColumnBuffer';
import { hashString, normalAt, uniformAt } from '../util/rng';
import type { SimMarketCursor } from './ledger';
import type { SimSymbolSpec } from './instruments';

export interface SimMarketOptions {
  seed: number;
  symbols: SimSymbolSpec[];
  /**
   * simulated bars per second per symbol (wall clock), or 'max': as fast as the listeners take
   * them, in batches sized to about FULL_SPEED_TURN_MS of work with a rest for the event loop
   * between batches (soak and load tests)
   */
  speed: number | 'max';
  clock: Clock;
  timeframe?: Timeframe;
  /** bars generated before "now" on a fresh start, so charts and indicators have history */
  historyBars?: number;
  /** where each symbol's path stood when the app last ran (from the simulator's ledger) */
  cursors?: SimMarketCursor[];
  /** recent bars per symbol restored from the store after a restart (oldest first) */
  restoredHistory?: Map<string, Bar[]>;
  /** bars kept in memory per symbol for history() */
  memoryBars?: number;
}

/**
 * At speed 'max', how long one turn (making a batch and the listeners' work on it) should take.
 * The batch size is adjusted to it from the turns measured so far: short enough that timers,
 * I/O, requests and the engine's own writes get the thread between batches (the event-loop
 * delay budget is 10 ms), long enough that per-batch overhead does not dominate.
 */
export const FULL_SPEED_TURN_MS = 1;
/** at most this many steps (one bar for every symbol) in one full-speed batch */
const FULL_SPEED_MAX_STEPS = 20;
/** how long a full-speed simulator waits before asking again while its consumer is backlogged */
const BACKPRESSURE_WAIT_MS = 2;

const REGIME_BLOCK = 120;
const SESSION_BARS = 390;

type Regime = 'trend_up' | 'trend_down' | 'range' | 'burst';
const REGIMES: Regime[] = ['trend_up', 'trend_down', 'range', 'burst'];

interface SymbolState {
  spec: SimSymbolSpec;
  stream: number;
  index: number;
  last: Bar;
  /** recent bars, at most memoryBars, oldest first (columns, so they are not long-lived objects) */
  recent: BarColumnBuffer;
}

function roundTo(x: number, inc: number): number {
  return Math.round(x / inc) * inc;
}

export class SimMarket implements MarketData {
  readonly timeframe: Timeframe;
  private readonly barMs: number;
  private readonly states = new Map<string, SymbolState>();
  private readonly listeners = new Set<(batch: { symbol: string; bar: Bar }[]) => void>();
  private readonly memoryBars: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** the pending turn at speed 'max' */
  private immediate: ReturnType<typeof setImmediate> | null = null;
  /** the wait while the consumer is backlogged, at speed 'max' */
  private backoff: ReturnType<typeof setTimeout> | null = null;
  private backlogged: () => boolean = () => false;
  /** started at speed 'max' and not stopped */
  private fullSpeedOn = false;
  private wallStart = 0;
  private produced = 0;

  constructor(private readonly opts: SimMarketOptions) {
    if (opts.speed !== 'max' && (!(opts.speed > 0) || !Number.isFinite(opts.speed))) {
      throw new Error(`simulator speed must be a positive number of bars per second or 'max', got ${String(opts.speed)}`);
    }
    this.timeframe = opts.timeframe ?? '1Min';
    this.barMs = TIMEFRAME_MS[this.timeframe];
    this.memoryBars = opts.memoryBars ?? 2000;
    const cursors = new Map((opts.cursors ?? []).map((c) => [c.symbol, c]));
    const historyBars = opts.historyBars ?? 500;
    const now = opts.clock.now();
    const firstT = Math.floor(now / this.barMs) * this.barMs - historyBars * this.barMs;
    for (const spec of opts.symbols) {
      const sym = spec.instrument.symbol;
      const stream = hashString(sym);
      const cursor = cursors.get(sym);
      const restored = opts.restoredHistory?.get(sym) ?? [];
      if (cursor) {
        const st: SymbolState = { spec, stream, index: cursor.index, last: cursor.lastBar, recent: new BarColumnBuffer(2 * this.memoryBars) };
        for (const b of restored) this.remember(st, b);
        if (restored.length === 0 || restored[restored.length - 1]!.t !== cursor.lastBar.t) this.remember(st, cursor.lastBar);
        this.states.set(sym, st);
      } else {
        const seedBar: Bar = { t: firstT - this.barMs, o: spec.startPrice, h: spec.startPrice, l: spec.startPrice, c: spec.startPrice, v: 0 };
        const st: SymbolState = { spec, stream, index: -1, last: seedBar, recent: new BarColumnBuffer(2 * this.memoryBars) };
        this.states.set(sym, st);
        for (let i = 0; i < historyBars; i++) this.remember(st, this.nextBar(st));
      }
    }
  }

  instruments(): Instrument[] {
    return [...this.states.values()].map((s) => s.spec.instrument);
  }

  history(symbol: string, limit: number): Bar[] {
    const st = this.states.get(symbol);
    if (!st) return [];
    const n = st.recent.length;
    const out: Bar[] = [];
    for (let i = Math.max(0, n - Math.max(0, Math.floor(limit))); i < n; i++) out.push(st.recent.at(i) as Bar);
    return out;
  }

  lastPrice(symbol: string): number | null {
    return this.states.get(symbol)?.last.c ?? null;
  }

  lastBar(symbol: string): Bar | null {
    return this.states.get(symbol)?.last ?? null;
  }

  cursors(): SimMarketCursor[] {
    return [...this.states.values()].map((s) => ({ symbol: s.spec.instrument.symbol, index: s.index, lastBar: s.last }));
  }

  onBars(listener: (batch: { symbol: string; bar: Bar }[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Produce `n` bars for every symbol now and deliver them as one batch (tests and the live timer). */
  step(n = 1): { symbol: string; bar: Bar }[] {
    const batch: { symbol: string; bar: Bar }[] = [];
    for (let k = 0; k < n; k++) {
      for (const st of this.states.values()) {
        const bar = this.nextBar(st);
        this.remember(st, bar);
        batch.push({ symbol: st.spec.instrument.symbol, bar });
      }
    }
    for (const l of this.listeners) l(batch);
    return batch;
  }

  start(): void {
    if (this.timer || this.immediate) return;
    if (this.opts.speed === 'max') {
      this.startFullSpeed();
      return;
    }
    const speed = this.opts.speed;
    // Tick fast enough for the speed but no faster than every 10 ms; each tick produces the bars
    // that are due by wall clock, capped so a long pause (a laptop asleep) does not flood the engine.
    const periodMs = Math.max(10, Math.min(1000, 1000 / speed));
    this.wallStart = this.opts.clock.now();
    this.produced = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((this.opts.clock.now() - this.wallStart) * speed) / 1000) - this.produced;
      if (due <= 0) return;
      const n = Math.min(due, 5);
      this.produced += due;
      this.step(n);
    }, periodMs);
  }

  /**
   * Full speed only: `backlogged` tells when the consumer has more than it can take in (the
   * engine's unsaved bars or writes waiting for the disk); production then waits until it has
   * caught up, so no queue downstream grows without bound and memory stays flat.
   */
  setBackpressure(backlogged: () => boolean): void {
    this.backlogged = backlogged;
  }

  /**
   * Speed 'max': one batch per turn, sized so that a turn takes about FULL_SPEED_TURN_MS, then a
   * rest as long as the turn took (below) before the next. The listeners (the engine) work
   * synchronously, so production never runs ahead of them; what they defer (bar saves) is
   * covered by the backpressure.
   */
  private startFullSpeed(): void {
    let msPerStep = 0.5;
    this.fullSpeedOn = true;
    const turn = (): void => {
      this.immediate = null;
      if (this.backlogged()) {
        this.backoff = setTimeout(() => {
          this.backoff = null;
          turn();
        }, BACKPRESSURE_WAIT_MS);
        return;
      }
      const steps = Math.max(1, Math.min(FULL_SPEED_MAX_STEPS, Math.floor(FULL_SPEED_TURN_MS / msPerStep)));
      const t0 = performance.now();
      let took = FULL_SPEED_TURN_MS;
      try {
        this.step(steps);
        took = performance.now() - t0;
        // a moving estimate, so one slow turn (a GC pause, a busy disk) does not swing the size
        msPerStep = 0.8 * msPerStep + 0.2 * Math.max(0.001, took / steps);
      } finally {
        // The next batch after a rest as long as this one took: the thread is idle about half
        // the time, so a full-speed simulator never asks for a whole core, and the turns that
        // matter (requests, the emergency stop, the engine's saves and their fsync callbacks)
        // find the thread free and are not cut short by the OS scheduler on a busy machine.
        if (this.fullSpeedOn) {
          this.backoff = setTimeout(() => {
            this.backoff = null;
            turn();
          }, Math.max(1, Math.round(took)));
        }
      }
    };
    this.immediate = setImmediate(turn);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    if (this.backoff) clearTimeout(this.backoff);
    this.fullSpeedOn = false;
    this.timer = null;
    this.immediate = null;
    this.backoff = null;
  }

  get running(): boolean {
    return this.timer !== null || this.immediate !== null || this.backoff !== null;
  }

  private remember(st: SymbolState, bar: Bar): void {
    st.recent.push(bar);
    if (st.recent.length > this.memoryBars) st.recent.drop(st.recent.length - this.memoryBars);
  }

  private regime(st: SymbolState, index: number): Regime {
    const block = Math.floor(index / REGIME_BLOCK);
    return REGIMES[Math.floor(uniformAt(this.opts.seed, st.stream, block, 7) * REGIMES.length)] ?? 'range';
  }

  private nextBar(st: SymbolState): Bar {
    const i = st.index + 1;
    const { seed } = this.opts;
    const spec = st.spec;
    const inc = spec.instrument.priceIncrement;
    const regime = this.regime(st, i);
    let drift = 0;
    let vol = spec.barVol;
    switch (regime) {
      case 'trend_up':
        drift = spec.barVol * 0.25;
        break;
      case 'trend_down':
        drift = -spec.barVol * 0.25;
        break;
      case 'range':
        vol = spec.barVol * 0.7;
        // pull back toward the price where this block began, so ranges stay ranges
        drift = -spec.barVol * 0.05 * Math.sign(normalAt(seed, st.stream, i, 5));
        break;
      case 'burst':
        vol = spec.barVol * 3;
        break;
    }
    const prevClose = st.last.c;
    const isSessionOpen = spec.instrument.assetClass === 'us_equity' && i > 0 && i % SESSION_BARS === 0;
    const gap = isSessionOpen ? normalAt(seed, st.stream, i, 3) * spec.barVol * 8 : 0;
    const open = Math.max(inc, roundTo(prevClose * Math.exp(gap), inc));
    const z = normalAt(seed, st.stream, i, 0);
    const close = Math.max(inc, roundTo(open * Math.exp(drift + vol * z), inc));
    const wickUp = Math.abs(normalAt(seed, st.stream, i, 1)) * vol * 0.6;
    const wickDown = Math.abs(normalAt(seed, st.stream, i, 2)) * vol * 0.6;
    const high = roundTo(Math.max(open, close) * (1 + wickUp), inc);
    const low = Math.max(inc, roundTo(Math.min(open, close) * (1 - wickDown), inc));
    const volume = Math.round(spec.baseVolume * (0.5 + uniformAt(seed, st.stream, i, 4)) * (regime === 'burst' ? 3 : 1) * 1000) / 1000;
    const bar: Bar = { t: st.last.t + this.barMs, o: open, h: Math.max(high, open, close), l: Math.min(low, open, close), c: close, v: volume };
    st.index = i;
    st.last = bar;
    return bar;
  }
}
