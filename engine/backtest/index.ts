// The backtester's public surface (the worker pool lives apart in pool.ts: it is the one part
// that needs node:worker_threads).
export { runBacktest } from './backtester';
export { columnsFromBars, sliceColumns, barAt, type BarColumns } from './columns';
export { resolveConfig, BacktestConfigError, ALL_IN_FRACTION } from './config';
export { computeMetrics, metricsOf, drawdownCurve, type BacktestMetrics, type MetricsInput } from './metrics';
export { riskEngineGate, type RiskDenial } from './riskGate';
export { gridPoints, validPoints, runSweep, catalogueFactory, CancelledError, type ParamGrid, type StrategyFactory, type SweepPoint } from './sweep';
export { walkForwardWindows, runWalkForward, LookaheadError, type WalkForwardSpec, type WalkForwardResult, type WalkForwardWindow } from './walkForward';
export type * from './types';
