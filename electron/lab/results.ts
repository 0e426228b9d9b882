// Turns what the workers computed into the lab's saved results: metrics with null for the
// figures JSON cannot hold (NaN, Infinity), trades without their bar indexes, a summary small
// enough for lists, comparisons and the readiness evidence, and the detail read when opened.
import { LAB_MAX_TRADES, type LabMetrics, type LabResult, type LabResultSummary, type LabSweepPoint, type LabTrade, type LabWindow } from '../../engine/api/lab';
import type { BarColumns } from '../../engine/backtest/columns';
import type { BacktestMetrics } from '../../engine/backtest/metrics';
import type { RiskRefusals } from '../../engine/backtest/jobs';
import type { BacktestReport } from '../../engine/backtest/report';
import type { SweepPoint } from '../../engine/backtest/sweep';
import type { Trade } from '../../engine/backtest/types';
import type { Objective, WalkForwardResult } from '../../engine/backtest/walkForward';
import type { SavedLabResult } from '../../db/repositories/lab';

export function labMetrics(m: BacktestMetrics): LabMetrics {
  const out = {} as Record<keyof BacktestMetrics, number | null>;
  for (const key of Object.keys(m) as (keyof BacktestMetrics)[]) out[key] = Number.isFinite(m[key]) ? m[key] : null;
  return out;
}

export function labTrade(t: Trade): LabTrade {
  return {
    side: t.side,
    size: t.size,
    entryTime: t.entryTime,
    exitTime: t.exitTime,
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    pnl: t.pnl,
    returnPct: t.returnPct,
    commission: t.commission,
    exitReason: t.exitReason,
  };
}

/** the summary fields every kind shares; the caller adds metrics / walkForward / sweep */
export type SummaryBase = Omit<LabResultSummary, 'metrics' | 'walkForward' | 'sweep'>;

type Detail<K extends LabResult['kind']> = Omit<Extract<LabResult, { kind: K }>, 'kind' | 'summary'>;

export function backtestResult(base: SummaryBase, report: BacktestReport & { riskRefusals?: RiskRefusals | null }): SavedLabResult {
  const gate = report.riskRefusals ?? null;
  const metrics: LabMetrics = gate ? { ...labMetrics(report.metrics), riskRefused: gate.count } : labMetrics(report.metrics);
  const summary: LabResultSummary = { ...base, metrics, ...(gate ? { riskRefusals: gate.byRule } : {}), walkForward: null, sweep: null };
  const detail: Detail<'backtest'> = {
    trades: report.trades.slice(0, LAB_MAX_TRADES).map(labTrade),
    tradesTotal: report.trades.length,
    equity: report.equity,
    drawdown: report.drawdown,
  };
  return { summary, detail };
}

const score = (m: BacktestMetrics, objective: Objective): number | null => (Number.isFinite(m[objective]) ? m[objective] : null);

export function walkForwardResult(
  base: SummaryBase,
  wf: WalkForwardResult,
  cols: BarColumns,
  spec: { trainBars: number; testBars: number; stepBars: number; anchored: boolean; objective: Objective; gridPoints: number },
): SavedLabResult {
  const sharpes = wf.windows.map((w) => w.test.sharpe).filter((s) => Number.isFinite(s));
  const windows: LabWindow[] = wf.windows.map((w) => ({
    index: w.window.index,
    trainFromT: cols.t[w.window.trainFrom]!,
    trainToT: cols.t[w.window.trainTo - 1]!,
    testFromT: cols.t[w.window.testFrom]!,
    testToT: cols.t[w.window.testTo - 1]!,
    params: w.params,
    trainScore: Number.isFinite(w.trainScore) ? w.trainScore : null,
    test: labMetrics(w.test),
  }));
  const summary: LabResultSummary = {
    ...base,
    metrics: null,
    walkForward: {
      windows: wf.windows.length,
      positiveWindows: wf.positiveSharpe,
      meanTestSharpe: sharpes.length ? sharpes.reduce((a, b) => a + b, 0) / sharpes.length : null,
      ...spec,
    },
    sweep: null,
  };
  const detail: Detail<'walk-forward'> = { windows };
  return { summary, detail };
}

export function sweepResult(base: SummaryBase, points: readonly SweepPoint[], skipped: { params: Record<string, number>; reason: string }[], objective: Objective): SavedLabResult {
  let best: SweepPoint | null = null;
  for (const p of points) {
    const s = score(p.metrics, objective);
    if (s !== null && (best === null || s > (score(best.metrics, objective) ?? -Infinity))) best = p;
  }
  const summary: LabResultSummary = {
    ...base,
    metrics: null,
    walkForward: null,
    sweep: { points: points.length, skipped: skipped.length, objective, best: best ? { params: best.params, score: score(best.metrics, objective) } : null },
  };
  const labPoints: LabSweepPoint[] = points.map((p) => ({ params: p.params, metrics: labMetrics(p.metrics) }));
  const detail: Detail<'sweep'> = { points: labPoints, skipped };
  return { summary, detail };
}
