// One backtest as the lab shows it: the trades, the metrics, and the equity and drawdown curves
// already downsampled. Pure; runs inside a worker thread (jobs.ts) so the per-bar work and the
// per-bar curves never touch the thread that runs risk and the kill switch.
import { buildStrategy, type StrategySpec } from '../strategies/registry';
import { runBacktest } from './backtester';
import type { BarColumns } from './columns';
import { DEFAULT_CURVE_POINTS, downsampleDrawdown, downsampleExtremes, type CurvePoint } from './curves';
import { metricsOf, type BacktestMetrics } from './metrics';
import type { BacktestConfig, Trade } from './types';

export interface BacktestReport {
  trades: Trade[];
  metrics: BacktestMetrics;
  equity: CurvePoint[];
  drawdown: CurvePoint[];
  finalEquity: number;
  totalCommission: number;
  skippedEntries: number;
  bars: number;
}

/** `onProgress` reports bars done of total (runBacktest's per-1% callback) */
export function backtestReport(
  cols: BarColumns,
  spec: StrategySpec,
  config: BacktestConfig,
  curvePoints = DEFAULT_CURVE_POINTS,
  onProgress?: (done: number, total: number) => void,
): BacktestReport {
  const result = runBacktest(cols, buildStrategy(spec), config, onProgress);
  return {
    trades: result.trades,
    metrics: metricsOf(result, cols.c),
    equity: downsampleExtremes(result.times, result.equity, curvePoints),
    drawdown: downsampleDrawdown(result.times, result.equity, curvePoints),
    finalEquity: result.finalEquity,
    totalCommission: result.totalCommission,
    skippedEntries: result.skippedEntries,
    bars: cols.length,
  };
}
