// Parameter sweep over a grid: every combination of the listed values is backtested on the
// same bars. Pure and synchronous (the worker pool splits the points across threads); progress
// is reported per point and a cancel check runs between points.
import type { StrategyParams } from '../strategies/params';
import { strategyDefinition } from '../strategies/registry';
import type { Strategy } from '../strategies/types';
import { runBacktest } from './backtester';
import type { BarColumns } from './columns';
import { metricsOf, type BacktestMetrics } from './metrics';
import type { BacktestConfig } from './types';

/** parameter name -> values to try */
export type ParamGrid = Readonly<Record<string, readonly number[]>>;

/** builds a strategy for a parameter set; `data` is exactly the bars it will be run on */
export type StrategyFactory = (params: StrategyParams, data: BarColumns) => Strategy;

export interface SweepPoint {
  params: StrategyParams;
  metrics: BacktestMetrics;
}

export interface RunControl {
  onProgress?: (done: number, total: number) => void;
  /** polled between units of work; true stops the run with a CancelledError */
  isCancelled?: () => boolean;
}

export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(what: string) {
    super(`${what} was cancelled`);
  }
}

export const MAX_GRID_POINTS = 100_000;

/** every combination of the grid's values, in a stable order (last parameter varies fastest) */
export function gridPoints(grid: ParamGrid, base: StrategyParams = {}): StrategyParams[] {
  let points: StrategyParams[] = [{ ...base }];
  for (const [name, values] of Object.entries(grid)) {
    if (values.length === 0) throw new RangeError(`sweep grid "${name}" has no values; give at least one`);
    points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
    if (points.length > MAX_GRID_POINTS) throw new RangeError(`sweep grid has more than ${MAX_GRID_POINTS} points; narrow the ranges or widen the steps`);
  }
  return points;
}

/**
 * A factory for a catalogue strategy. Each point is validated when built; a sweep over invalid
 * combinations (e.g. fast >= slow) skips those points instead of failing the whole sweep, so
 * `validPoints` filters them up front with the reason.
 */
export function catalogueFactory(strategyId: string): StrategyFactory {
  const def = strategyDefinition(strategyId);
  return (params) => def.create(params);
}

export function validPoints(strategyId: string, points: readonly StrategyParams[]): { valid: StrategyParams[]; invalid: { params: StrategyParams; reason: string }[] } {
  const def = strategyDefinition(strategyId);
  const valid: StrategyParams[] = [];
  const invalid: { params: StrategyParams; reason: string }[] = [];
  for (const p of points) {
    try {
      def.create(p);
      valid.push(p);
    } catch (e) {
      invalid.push({ params: p, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { valid, invalid };
}

export function runSweep(cols: BarColumns, factory: StrategyFactory, points: readonly StrategyParams[], config: BacktestConfig, control: RunControl = {}): SweepPoint[] {
  const out: SweepPoint[] = [];
  for (const params of points) {
    if (control.isCancelled?.()) throw new CancelledError('parameter sweep');
    const result = runBacktest(cols, factory(params, cols), config);
    out.push({ params, metrics: metricsOf(result, cols.c) });
    control.onProgress?.(out.length, points.length);
  }
  return out;
}
