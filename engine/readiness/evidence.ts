// The readiness items that rest on lab evidence: the latest saved backtest (after costs) and
// walk-forward of the enabled strategy. Pure: the caller reads the latest evidence through the
// store (SqliteStore.latestLabEvidence) and passes it in with the thresholds (settings).
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
}

export const DEFAULT_EVIDENCE_THRESHOLDS: EvidenceThresholds = {
  minSharpe: 0.5,
  maxDrawdown: 0.2,
  minWinRate: 0.4,
  maxWinRate: 0.6,
  minTrades: 30,
  minPositiveWindowShare: 2 / 3,
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

/** the latest saved lab results of the enabled strategy (either may be missing) */
export interface LabEvidence {
  backtest: BacktestEvidence | null;
  walkForward: WalkForwardEvidence | null;
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
  return items;
}
