// The work a backtest worker thread does, as plain functions over plain data, so the pool and
// its worker stay thin: the worker only moves messages, and these are testable without threads.
import { parseOhlcvCsv, type CsvIssue, type CsvParseOptions } from '../data/csv';
import type { StrategyParams } from '../strategies/params';
import type { StrategySpec } from '../strategies/registry';
import { columnsFromBars, type BarColumns } from './columns';
import { backtestReport, type BacktestReport } from './report';
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

export type BacktestJob =
  | { kind: 'sweep'; strategyId: string; points: StrategyParams[]; config: BacktestConfig }
  | {
      kind: 'walk-forward';
      strategyId: string;
      points: StrategyParams[];
      config: BacktestConfig;
      spec: WalkForwardSpec;
      windows: WalkForwardWindow[];
      objective: Objective;
      audit: boolean;
    }
  /** one backtest of any strategy spec (ensembles, regime gates), reported with downsampled curves */
  | { kind: 'backtest'; spec: StrategySpec; config: BacktestConfig; curvePoints: number }
  /** a history import's validation: the CSV text in, columns (not a million objects) out */
  | { kind: 'parse-csv'; text: string; options: CsvParseOptions };

export type CsvColumnsResult = { ok: true; cols: BarColumns; issues: CsvIssue[] } | { ok: false; message: string; issues: CsvIssue[] };

export type BacktestJobResult =
  | { kind: 'sweep'; points: SweepPoint[] }
  | { kind: 'walk-forward'; windows: WindowResult[] }
  | { kind: 'backtest'; report: BacktestReport }
  | { kind: 'parse-csv'; result: CsvColumnsResult };

/** runs one job; `tick` is called after each unit (sweep point or window) */
export function runJob(cols: BarColumns, job: BacktestJob, tick: () => void): BacktestJobResult {
  if (job.kind === 'backtest') {
    const report = backtestReport(cols, job.spec, job.config, job.curvePoints);
    tick();
    return { kind: 'backtest', report };
  }
  if (job.kind === 'parse-csv') {
    const parsed = parseOhlcvCsv(job.text, job.options);
    tick();
    return { kind: 'parse-csv', result: parsed.ok ? { ok: true, cols: columnsFromBars(parsed.bars), issues: parsed.issues } : parsed };
  }
  const factory = catalogueFactory(job.strategyId);
  if (job.kind === 'sweep') return { kind: 'sweep', points: runSweep(cols, factory, job.points, job.config, { onProgress: tick }) };
  const r = runWalkForward(cols, factory, job.points, job.spec, job.config, { windows: job.windows, objective: job.objective, audit: job.audit, onProgress: tick });
  return { kind: 'walk-forward', windows: r.windows };
}
