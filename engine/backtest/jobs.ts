// The work a backtest worker thread does, as plain functions over plain data, so the pool and
// its worker stay thin: the worker only moves messages, and these are testable without threads.
import { parseOhlcvCsv, type CsvIssue, type CsvParseOptions } from '../data/csv';
import type { Instrument, RiskSettings } from '../domain/types';
import type { StrategyParams } from '../strategies/params';
import type { StrategySpec } from '../strategies/registry';
import { columnsFromBars, type BarColumns } from './columns';
import { backtestReport, type BacktestReport } from './report';
import { riskEngineGate } from './riskGate';
import { catalogueFactory, runSweep, type SweepPoint } from './sweep';
import type { BacktestConfig } from './types';
import { runWalkForward, type Objective, type WalkForwardSpec, type WalkForwardWindow, type WindowResult } from './walkForward';

/** bar columns in one SharedArrayBuffer (t, o, h, l, c, v, each `length` doubles): shared, not copied */
export interface SharedBars {
  buffer: SharedArrayBuffer;
  length: number;
}

export function shareColumns(cols: BarColumns): SharedBars {
  const n = cols.length;
  const buffer = new SharedArrayBuffer(6 * n * 8);
  [cols.t, cols.o, cols.h, cols.l, cols.c, cols.v].forEach((col, k) => new Float64Array(buffer, k * n * 8, n).set(col));
  return { buffer, length: n };
}

export function columnsOfShared(s: SharedBars): BarColumns {
  const n = s.length;
  const view = (k: number): Float64Array => new Float64Array(s.buffer, k * n * 8, n);
  return { length: n, t: view(0), o: view(1), h: view(2), l: view(3), c: view(4), v: view(5) };
}

/**
 * The live RiskEngine's inputs as plain data: a job crosses to a worker by structured clone, which
 * cannot carry the gate function, so the worker builds the gate (riskGate.ts) from these.
 */
export interface RiskGateSpec {
  settings: RiskSettings;
  instrument: Instrument;
}

/** entries the risk gate refused in one backtest, counted per RiskEngine rule */
export interface RiskRefusals {
  count: number;
  byRule: Record<string, number>;
}

export type BacktestJob =
  | { kind: 'sweep'; strategyId: string; points: StrategyParams[]; config: BacktestConfig; risk?: RiskGateSpec }
  | {
      kind: 'walk-forward';
      strategyId: string;
      points: StrategyParams[];
      config: BacktestConfig;
      risk?: RiskGateSpec;
      spec: WalkForwardSpec;
      windows: WalkForwardWindow[];
      objective: Objective;
      audit: boolean;
    }
  /** one backtest of any strategy spec (ensembles, regime gates), reported with downsampled curves */
  | { kind: 'backtest'; spec: StrategySpec; config: BacktestConfig; curvePoints: number; risk?: RiskGateSpec }
  /** a history import's validation: the CSV text in, columns (not a million objects) out */
  | { kind: 'parse-csv'; text: string; options: CsvParseOptions };

export type CsvColumnsResult = { ok: true; cols: BarColumns; issues: CsvIssue[] } | { ok: false; message: string; issues: CsvIssue[] };

export type BacktestJobResult =
  | { kind: 'sweep'; points: SweepPoint[] }
  | { kind: 'walk-forward'; windows: WindowResult[] }
  /** riskRefusals is null when the job ran without the risk gate */
  | { kind: 'backtest'; report: BacktestReport; riskRefusals: RiskRefusals | null }
  | { kind: 'parse-csv'; result: CsvColumnsResult };

/**
 * runs one job; `tick` is called after each unit (sweep point or window), except that a single
 * backtest reports its bars: tick(done, total) every 1% of them, the last with done = total
 */
export function runJob(cols: BarColumns, job: BacktestJob, tick: (done?: number, total?: number) => void): BacktestJobResult {
  if (job.kind === 'backtest') {
    const refusals: RiskRefusals | null = job.risk ? { count: 0, byRule: {} } : null;
    const config = withRiskGate(job.config, job.risk, (rule) => {
      if (!refusals) return;
      refusals.count++;
      refusals.byRule[rule] = (refusals.byRule[rule] ?? 0) + 1;
    });
    const report = backtestReport(cols, job.spec, config, job.curvePoints, tick);
    return { kind: 'backtest', report, riskRefusals: refusals };
  }
  if (job.kind === 'parse-csv') {
    const parsed = parseOhlcvCsv(job.text, job.options);
    tick();
    return { kind: 'parse-csv', result: parsed.ok ? { ok: true, cols: columnsFromBars(parsed.bars), issues: parsed.issues } : parsed };
  }
  const factory = catalogueFactory(job.strategyId);
  const config = withRiskGate(job.config, job.risk);
  // one unit per point / window: their callbacks' own (done, total) count this job's share only
  const unit = (): void => tick();
  if (job.kind === 'sweep') return { kind: 'sweep', points: runSweep(cols, factory, job.points, config, { onProgress: unit }) };
  const r = runWalkForward(cols, factory, job.points, job.spec, config, { windows: job.windows, objective: job.objective, audit: job.audit, onProgress: unit });
  return { kind: 'walk-forward', windows: r.windows };
}

/** the config with the live RiskEngine in front of every entry, when the job asks for it */
function withRiskGate(config: BacktestConfig, risk: RiskGateSpec | undefined, onRefused?: (rule: string) => void): BacktestConfig {
  if (!risk) return config;
  return { ...config, riskGate: riskEngineGate(risk.settings, risk.instrument, onRefused ? (d) => onRefused(d.rule) : undefined) };
}
