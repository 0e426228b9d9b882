// The readiness items that rest on evidence: the latest saved backtest (after costs) and
// walk-forward of the enabled strategy, and the paper-trading record set against that backtest.
// Pure: the caller reads the evidence through the store (SqliteStore.latestLabEvidence,
// SqliteStore.paperRecord) and passes it in with the thresholds (settings).
import type { LabResultSummary } from '../api/lab';
import type { ReadinessItem, ReadinessStatus } from '../domain/types';

export interface EvidenceThresholds {
  /** backtest Sharpe must be above this */
  minSharpe: number;
  /** backtest max drawdown (a positive fraction) must be below this */
  maxDrawdown: number;
  /** win rate in [minWinRate, maxWinRate] passes; above maxWinRate warns of overfitting */
  minWinRate: number;
  maxWinRate: number;
  /** at least this many closed trades */
  minTrades: number;
  /** share of walk-forward windows whose out-of-sample Sharpe is above 0 */
  minPositiveWindowShare: number;
  /** paper trading must span at least this many trading days */
  minPaperDays: number;
  /** paper return within this many percentage points of the backtest over the same period */
  maxPaperDeviationPp: number;
}

export const DEFAULT_EVIDENCE_THRESHOLDS: EvidenceThresholds = {
  minSharpe: 0.5,
  maxDrawdown: 0.2,
  minWinRate: 0.4,
  maxWinRate: 0.6,
  minTrades: 30,
  minPositiveWindowShare: 2 / 3,
  minPaperDays: 20,
  maxPaperDeviationPp: 5,
};

export interface BacktestEvidence {
  resultId: string;
  name: string;
  createdAt: number;
  dataset: string;
  strategyId: string;
  params: Record<string, number>;
  /** commission or slippage was charged */
  afterCosts: boolean;
  /** the costs in words, e.g. "commission 0.2% of notional, slippage 5 bps" */
  costs: string;
  sharpe: number | null;
  maxDrawdown: number | null;
  winRate: number | null;
  trades: number;
}

export interface WalkForwardEvidence {
  resultId: string;
  name: string;
  createdAt: number;
  dataset: string;
  strategyId: string;
  windows: number;
  positiveWindows: number;
}

/** one UTC date with equity points: the first and last of them */
export interface EquityDay {
  /** YYYY-MM-DD (UTC) */
  day: string;
  firstT: number;
  first: number;
  lastT: number;
  last: number;
}

/** the equity curve of the latest saved backtest of the enabled strategy */
export interface BacktestCurveEvidence {
  resultId: string;
  name: string;
  dataset: string;
  /** time and equity, oldest first (the saved, downsampled curve) */
  curve: { t: number; v: number }[];
}

/** the paper-trading record: the account's equity per trading day, and the backtest to compare it with */
export interface PaperRecord {
  /** where the equity was recorded, e.g. "alpaca (paper)", for the evidence text */
  source: string;
  days: EquityDay[];
  backtest: BacktestCurveEvidence | null;
}

/** the latest saved lab results of the enabled strategy (either may be missing) */
export interface LabEvidence {
  backtest: BacktestEvidence | null;
  walkForward: WalkForwardEvidence | null;
  /** the paper-trading record (absent: not read; its items then fail for want of evidence) */
  paper?: PaperRecord | null;
}

/** the strategy the checklist is about: its evidence should be for these parameters */
export interface EnabledStrategy {
  id: string;
  params: Record<string, number>;
}

function costsText(s: LabResultSummary): { afterCosts: boolean; text: string } {
  const { commission, slippage } = s.setup.costs;
  const parts: string[] = [];
  if (commission.pct > 0) parts.push(`commission ${+(commission.pct * 100).toFixed(4)}% of notional`);
  if (commission.perShare > 0) parts.push(`$${commission.perShare} per share`);
  if (commission.fixed > 0) parts.push(`$${commission.fixed} per fill`);
  if (slippage.kind === 'bps' && slippage.bps > 0) parts.push(`slippage ${slippage.bps} bps`);
  if (slippage.kind === 'atr' && slippage.fraction > 0) parts.push(`slippage ${slippage.fraction} x ATR`);
  return parts.length > 0 ? { afterCosts: true, text: parts.join(', ') } : { afterCosts: false, text: 'no commission or slippage' };
}

/** evidence from the summaries of the latest saved backtest and walk-forward (null when absent or another kind) */
export function evidenceFromResults(backtest: LabResultSummary | null, walkForward: LabResultSummary | null): LabEvidence {
  let bt: BacktestEvidence | null = null;
  if (backtest && backtest.kind === 'backtest' && backtest.metrics) {
    const costs = costsText(backtest);
    bt = {
      resultId: backtest.id,
      name: backtest.name,
      createdAt: backtest.createdAt,
      dataset: backtest.setup.dataset,
      strategyId: backtest.strategyId,
      params: backtest.strategy.kind === 'single' ? backtest.strategy.params : {},
      afterCosts: costs.afterCosts,
      costs: costs.text,
      sharpe: backtest.metrics.sharpe,
      maxDrawdown: backtest.metrics.maxDrawdown,
      winRate: backtest.metrics.winRate,
      trades: backtest.metrics.trades ?? 0,
    };
  }
  let wf: WalkForwardEvidence | null = null;
  if (walkForward && walkForward.kind === 'walk-forward' && walkForward.walkForward) {
    wf = {
      resultId: walkForward.id,
      name: walkForward.name,
      createdAt: walkForward.createdAt,
      dataset: walkForward.setup.dataset,
      strategyId: walkForward.strategyId,
      windows: walkForward.walkForward.windows,
      positiveWindows: walkForward.walkForward.positiveWindows,
    };
  }
  return { backtest: bt, walkForward: wf };
}

const pct = (x: number): string => `${+(x * 100).toFixed(2)}%`;
const num = (x: number | null, f: (v: number) => string = (v) => v.toFixed(2)): string => (x === null ? 'undefined' : f(x));
const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
const paramsText = (p: Record<string, number>): string => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');

function sameParams(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/**
 * The lab items of the readiness checklist. A passing figure from a run without costs, or for
 * other parameters than the enabled ones, only warns: it is not evidence for what would trade.
 */
export function evidenceItems(
  latest: LabEvidence | null,
  thresholds: EvidenceThresholds = DEFAULT_EVIDENCE_THRESHOLDS,
  enabled?: EnabledStrategy,
): ReadinessItem[] {
  const t = thresholds;
  const bt = latest?.backtest ?? null;
  const items: ReadinessItem[] = [];
  const runFix = `Run a backtest of ${enabled ? `${enabled.id} (${paramsText(enabled.params)})` : 'the enabled strategy'} in the Lab with realistic commission and slippage.`;

  if (bt === null) {
    const missing = (id: string, label: string): ReadinessItem => ({ id, label, status: 'fail', evidence: 'no saved backtest of the enabled strategy', fix: runFix });
    items.push(
      missing('backtest_sharpe', `Backtest Sharpe > ${t.minSharpe}`),
      missing('backtest_drawdown', `Backtest max drawdown < ${pct(t.maxDrawdown)}`),
      missing('backtest_win_rate', `Backtest win rate ${pct(t.minWinRate)}–${pct(t.maxWinRate)}`),
      missing('backtest_trades', `Backtest has at least ${t.minTrades} trades`),
    );
  } else {
    const caveats: string[] = [];
    if (!bt.afterCosts) caveats.push('it charged no commission or slippage');
    if (enabled && (bt.strategyId !== enabled.id || !sameParams(bt.params, enabled.params))) {
      caveats.push(`it tested ${bt.strategyId} ${paramsText(bt.params)}, the enabled strategy is ${enabled.id} ${paramsText(enabled.params)}`);
    }
    const source = `"${bt.name}" on ${bt.dataset}, saved ${day(bt.createdAt)} (${bt.costs})`;
    /** a pass with a caveat is a warning: the figure holds, but not for what would trade */
    const item = (id: string, label: string, status: ReadinessStatus, figure: string, fix: string): ReadinessItem => {
      const caveated = status === 'pass' && caveats.length > 0;
      return {
        id,
        label,
        status: caveated ? 'warn' : status,
        evidence: `${figure} in ${source}${caveats.length ? `; but ${caveats.join('; ')}` : ''}`,
        fix: caveated ? runFix : status === 'pass' ? '' : fix,
      };
    };
    const sharpeOk = bt.sharpe !== null && bt.sharpe > t.minSharpe;
    items.push(
      item('backtest_sharpe', `Backtest Sharpe > ${t.minSharpe}`, sharpeOk ? 'pass' : 'fail', `Sharpe ${num(bt.sharpe)}`,
        'Improve the strategy or its parameters (the Lab sweep helps), or test it on data where it has an edge; a Sharpe this low does not pay for the risk.'),
    );
    const ddOk = bt.maxDrawdown !== null && bt.maxDrawdown < t.maxDrawdown;
    items.push(
      item('backtest_drawdown', `Backtest max drawdown < ${pct(t.maxDrawdown)}`, ddOk ? 'pass' : 'fail', `max drawdown ${num(bt.maxDrawdown, pct)}`,
        'Size positions smaller (fixed fraction or risk-based sizing), add a stop, or gate the strategy by market regime.'),
    );
    const wr = bt.winRate;
    const wrStatus: ReadinessStatus = wr === null || wr < t.minWinRate ? 'fail' : wr > t.maxWinRate ? 'warn' : 'pass';
    items.push(
      item('backtest_win_rate', `Backtest win rate ${pct(t.minWinRate)}–${pct(t.maxWinRate)}`, wrStatus, `win rate ${num(wr, pct)}`,
        wrStatus === 'warn'
          ? `A win rate above ${pct(t.maxWinRate)} often means the parameters were fitted to this data: check it on the walk-forward and on other data.`
          : `Fewer than ${pct(t.minWinRate)} of trades win: review the entry and exit rules.`),
    );
    items.push(
      item('backtest_trades', `Backtest has at least ${t.minTrades} trades`, bt.trades >= t.minTrades ? 'pass' : 'fail', `${bt.trades} trades`,
        `${bt.trades} trades prove little: backtest over a longer history (or more symbols) until there are at least ${t.minTrades}.`),
    );
  }

  const wf = latest?.walkForward ?? null;
  const wfLabel = `Walk-forward out-of-sample Sharpe > 0 on ≥ ${+(t.minPositiveWindowShare * 100).toFixed(1)}% of windows`;
  if (wf === null || wf.windows === 0) {
    items.push({
      id: 'walk_forward_oos',
      label: wfLabel,
      status: 'fail',
      evidence: wf === null ? 'no saved walk-forward of the enabled strategy' : `"${wf.name}" has no windows`,
      fix: `Run a walk-forward of ${enabled?.id ?? 'the enabled strategy'} in the Lab (rolling train/test windows).`,
    });
  } else {
    // compare counts, not a rounded share: 2 of 3 windows meets a 2/3 threshold exactly
    const needed = Math.ceil(t.minPositiveWindowShare * wf.windows - 1e-9);
    const passed = wf.positiveWindows >= needed;
    const otherStrategy = enabled !== undefined && wf.strategyId !== enabled.id;
    const status: ReadinessStatus = passed ? (otherStrategy ? 'warn' : 'pass') : 'fail';
    items.push({
      id: 'walk_forward_oos',
      label: wfLabel,
      status,
      evidence:
        `${wf.positiveWindows} of ${wf.windows} windows had an out-of-sample Sharpe above 0 (${needed} needed) in "${wf.name}" on ${wf.dataset}, saved ${day(wf.createdAt)}` +
        (otherStrategy ? `; but it tested ${wf.strategyId}, the enabled strategy is ${enabled.id}` : ''),
      fix:
        status === 'pass'
          ? ''
          : otherStrategy && passed
            ? `Run the walk-forward on ${enabled.id}.`
            : 'The strategy does not hold up out of sample: simplify it, widen the train window, or choose another strategy.',
    });
  }
  items.push(...paperItems(latest?.paper ?? null, t, enabled));
  return items;
}

/**
 * The backtest's return from `from` to `to`, read off its equity curve at the last point at or
 * before each time; null when the curve does not span the whole period.
 */
export function backtestReturnOver(curve: readonly { t: number; v: number }[], from: number, to: number): number | null {
  const first = curve[0];
  const last = curve.at(-1);
  if (!first || !last || first.t > from || last.t < to) return null;
  const at = (x: number): number => {
    let v = first.v;
    for (const p of curve) {
      if (p.t > x) break;
      v = p.v;
    }
    return v;
  };
  const start = at(from);
  return start > 0 ? at(to) / start - 1 : null;
}

/** the two paper-trading items: enough trading days, and a paper return close to the backtest's over them */
export function paperItems(paper: PaperRecord | null, t: EvidenceThresholds = DEFAULT_EVIDENCE_THRESHOLDS, enabled?: EnabledStrategy): ReadinessItem[] {
  const daysLabel = `Paper trading: at least ${t.minPaperDays} trading days`;
  const returnLabel = `Paper return within ${t.maxPaperDeviationPp} pp of the backtest`;
  const days = paper?.days ?? [];
  const first = days[0];
  const last = days.at(-1);
  if (!paper || !first || !last) {
    const fix = `Trade the enabled strategy on a paper account for at least ${t.minPaperDays} trading days.`;
    return [
      { id: 'paper_days', label: daysLabel, status: 'fail', evidence: 'no equity recorded yet', fix },
      { id: 'paper_vs_backtest', label: returnLabel, status: 'fail', evidence: 'no paper trading to compare with the backtest', fix },
    ];
  }
  const period = `${first.day} to ${last.day}`;
  const enoughDays = days.length >= t.minPaperDays;
  const items: ReadinessItem[] = [
    {
      id: 'paper_days',
      label: daysLabel,
      status: enoughDays ? 'pass' : 'fail',
      evidence: `${days.length} trading day${days.length === 1 ? '' : 's'} with equity recorded on ${paper.source}, ${period}`,
      fix: enoughDays ? '' : `Keep paper trading: ${t.minPaperDays - days.length} more trading day(s) needed.`,
    },
  ];
  const paperReturn = first.first > 0 ? last.last / first.first - 1 : null;
  const bt = paper.backtest;
  const coverFix = `Run a backtest of ${enabled?.id ?? 'the enabled strategy'} in the Lab on data covering the paper period (${period}).`;
  if (paperReturn === null) {
    items.push({ id: 'paper_vs_backtest', label: returnLabel, status: 'fail', evidence: `the first equity point (${first.first}) is not positive`, fix: 'Check the account history.' });
  } else if (bt === null) {
    items.push({ id: 'paper_vs_backtest', label: returnLabel, status: 'warn', evidence: `paper return ${pct(paperReturn)} over ${period}; no saved backtest to compare with`, fix: coverFix });
  } else {
    const btReturn = backtestReturnOver(bt.curve, first.firstT, last.lastT);
    if (btReturn === null) {
      items.push({
        id: 'paper_vs_backtest',
        label: returnLabel,
        status: 'warn',
        evidence: `paper return ${pct(paperReturn)} over ${period}; the latest backtest "${bt.name}" on ${bt.dataset} does not cover that period`,
        fix: coverFix,
      });
    } else {
      const gapPp = Math.abs(paperReturn - btReturn) * 100;
      // a tolerance in the last digits: a gap of exactly the threshold passes despite float noise
      const close = gapPp <= t.maxPaperDeviationPp + 1e-9;
      items.push({
        id: 'paper_vs_backtest',
        label: returnLabel,
        status: close ? 'pass' : 'fail',
        evidence: `paper ${pct(paperReturn)} vs backtest ${pct(btReturn)} ("${bt.name}") over ${period}: ${+gapPp.toFixed(2)} pp apart`,
        fix: close ? '' : 'Paper trading departs from the backtest: check the costs and slippage the backtest assumes, fills, and whether the strategy and parameters are the same.',
      });
    }
  }
  return items;
}
