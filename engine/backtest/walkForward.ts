// Walk-forward analysis: rolling (or anchored) train/test windows. In each window the
// parameters are chosen on the train bars only, then run out of sample on the test bars that
// follow. Leakage guards:
// - every segment handed to a strategy factory is a copy ending at the segment's last bar, so
//   nothing later is reachable from it (a subarray would expose the whole buffer);
// - the out-of-sample run is audited for look-ahead: it is repeated with every bar after a cut
//   point altered, and any signal before the cut that changes proves the strategy used data
//   from after the bar it decided on (LookaheadError names the bar).
import type { Bar } from '../domain/types';
import type { StrategyParams } from '../strategies/params';
import type { Signal, Strategy } from '../strategies/types';
import { runBacktest } from './backtester';
import { barAt, type BarColumns } from './columns';
import { metricsOf, type BacktestMetrics } from './metrics';
import { CancelledError, runSweep, type RunControl, type StrategyFactory } from './sweep';
import type { BacktestConfig } from './types';

export interface WalkForwardSpec {
  trainBars: number;
  testBars: number;
  /** bars between window starts (default testBars: test windows tile the data) */
  stepBars?: number;
  /** train from the first bar every time instead of a rolling window */
  anchored?: boolean;
}

/** half-open bar ranges [from, to) */
export interface WalkForwardWindow {
  index: number;
  trainFrom: number;
  trainTo: number;
  testFrom: number;
  testTo: number;
}

export type Objective = 'sharpe' | 'totalReturn' | 'calmar' | 'sortino';

export interface WindowResult {
  window: WalkForwardWindow;
  params: StrategyParams;
  trainScore: number;
  test: BacktestMetrics;
}

export interface WalkForwardResult {
  windows: WindowResult[];
  /** windows whose out-of-sample Sharpe is above 0 */
  positiveSharpe: number;
  fractionPositiveSharpe: number;
}

export class LookaheadError extends Error {
  override readonly name = 'LookaheadError';
}

export function walkForwardWindows(bars: number, spec: WalkForwardSpec): WalkForwardWindow[] {
  const { trainBars, testBars } = spec;
  const step = spec.stepBars ?? testBars;
  for (const [name, v, min] of [['trainBars', trainBars, 20], ['testBars', testBars, 2], ['stepBars', step, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`walk-forward ${name} must be a whole number of bars >= ${min}, got ${v}`);
  }
  if (trainBars + testBars > bars) throw new RangeError(`walk-forward needs trainBars + testBars (${trainBars + testBars}) <= the ${bars} bars available`);
  const out: WalkForwardWindow[] = [];
  for (let start = 0; start + trainBars + testBars <= bars; start += step) {
    const trainTo = start + trainBars;
    out.push({ index: out.length, trainFrom: spec.anchored ? 0 : start, trainTo, testFrom: trainTo, testTo: trainTo + testBars });
  }
  return out;
}

/** a copy of bars [from, to): the factory cannot reach past `to` through it */
export function copyColumns(cols: BarColumns, from: number, to: number): BarColumns {
  return { length: to - from, t: cols.t.slice(from, to), o: cols.o.slice(from, to), h: cols.h.slice(from, to), l: cols.l.slice(from, to), c: cols.c.slice(from, to), v: cols.v.slice(from, to) };
}

const score = (m: BacktestMetrics, objective: Objective): number => (Number.isFinite(m[objective]) ? m[objective] : -Infinity);

/** records every signal a strategy emits, by absolute bar number */
class SignalRecorder implements Strategy {
  readonly log: string[] = [];
  constructor(
    private readonly inner: Strategy,
    private bar: number,
  ) {}
  get id(): string {
    return this.inner.id;
  }
  get warmup(): number {
    return this.inner.warmup;
  }
  onBar(b: Bar): Signal | null {
    const s = this.inner.onBar(b);
    if (s) this.log.push(`${this.bar}:${s.direction}`);
    this.bar++;
    return s;
  }
  values(): Record<string, number> {
    return this.inner.values();
  }
}

/** runs the test window, warmed up on the bars before it; returns metrics and the signal log */
function outOfSample(cols: BarColumns, w: WalkForwardWindow, factory: StrategyFactory, params: StrategyParams, config: BacktestConfig) {
  const probe = factory(params, copyColumns(cols, w.testFrom, w.testTo));
  const from = Math.max(0, w.testFrom - probe.warmup);
  const segment = copyColumns(cols, from, w.testTo);
  const strategy = new SignalRecorder(factory(params, segment), from);
  for (let i = from; i < w.testFrom; i++) strategy.onBar(barAt(cols, i));
  const test = copyColumns(cols, w.testFrom, w.testTo);
  const result = runBacktest(test, strategy, config);
  return { metrics: metricsOf(result, test.c), log: strategy.log };
}

/** the same bars up to `cut`, and after it the path mirrored around the close before the cut */
function alteredAfter(cols: BarColumns, cut: number): BarColumns {
  const out = copyColumns(cols, 0, cols.length);
  const pivot = cols.c[cut - 1]!;
  const mirror = (x: number): number => Math.max(pivot * 0.01, 2 * pivot - x);
  for (let i = cut; i < cols.length; i++) {
    out.o[i] = mirror(cols.o[i]!);
    out.c[i] = mirror(cols.c[i]!);
    out.h[i] = Math.max(mirror(cols.l[i]!), out.o[i]!, out.c[i]!);
    out.l[i] = Math.min(mirror(cols.h[i]!), out.o[i]!, out.c[i]!);
  }
  return out;
}

/**
 * The look-ahead audit: for cuts at 1/4, 1/2 and 3/4 of the test window, alter every bar from
 * the cut on and re-run; a causal strategy emits exactly the same signals before the cut.
 */
function audit(cols: BarColumns, w: WalkForwardWindow, factory: StrategyFactory, params: StrategyParams, config: BacktestConfig, log: readonly string[]): void {
  const len = w.testTo - w.testFrom;
  for (const cut of new Set([1, 2, 3].map((q) => w.testFrom + Math.max(1, Math.floor((len * q) / 4))))) {
    const before = (xs: readonly string[]) => xs.filter((s) => Number(s.slice(0, s.indexOf(':'))) < cut);
    const original = before(log);
    const again = before(outOfSample(alteredAfter(cols, cut), w, factory, params, config).log);
    const at = original.findIndex((s, i) => s !== again[i]);
    if (at >= 0 || original.length !== again.length) {
      const first = original[at] ?? again[original.length] ?? '?';
      throw new LookaheadError(
        `walk-forward window ${w.index}: signals before bar ${cut} changed when only bars from ${cut} on were altered ` +
          `(first difference at bar ${first.split(':')[0]}): the strategy uses future data, so its results would be fiction`,
      );
    }
  }
}

export function runWalkForward(
  cols: BarColumns,
  factory: StrategyFactory,
  points: readonly StrategyParams[],
  spec: WalkForwardSpec,
  config: BacktestConfig,
  options: RunControl & { objective?: Objective; audit?: boolean; windows?: readonly WalkForwardWindow[] } = {},
): WalkForwardResult {
  if (points.length === 0) throw new RangeError('walk-forward needs at least one parameter set to choose from');
  const objective = options.objective ?? 'sharpe';
  const windows = options.windows ?? walkForwardWindows(cols.length, spec);
  const results: WindowResult[] = [];
  for (const w of windows) {
    if (options.isCancelled?.()) throw new CancelledError('walk-forward');
    const train = copyColumns(cols, w.trainFrom, w.trainTo);
    const swept = runSweep(train, factory, points, config, { isCancelled: options.isCancelled });
    let best = swept[0]!;
    for (const p of swept) if (score(p.metrics, objective) > score(best.metrics, objective)) best = p;
    const oos = outOfSample(cols, w, factory, best.params, config);
    if (options.audit ?? true) audit(cols, w, factory, best.params, config, oos.log);
    results.push({ window: w, params: best.params, trainScore: score(best.metrics, objective), test: oos.metrics });
    options.onProgress?.(results.length, windows.length);
  }
  const positiveSharpe = results.filter((r) => r.test.sharpe > 0).length;
  return { windows: results, positiveSharpe, fractionPositiveSharpe: results.length ? positiveSharpe / results.length : 0 };
}
