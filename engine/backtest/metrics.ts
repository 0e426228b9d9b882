// Performance metrics of a backtest. Returns are fractions (0.05 = 5%). Where a definition
// has several conventions we follow backtesting.py 0.6.6, so figures can be checked against
// the reference and users comparing with that tool see the same numbers:
// - periodic returns: equity resampled to calendar days (weeks/months/years for coarser bars),
//   annualised over 252 periods (365 when the data trades at weekends, e.g. crypto);
// - annualised return from the geometric mean periodic return; volatility from its compounded
//   variance; Sharpe = (annualised return - rf) / volatility; Sortino uses downside deviation;
// - CAGR over calendar time (365.25-day years); drawdowns from the running equity peak;
// - exposure: share of bars from each trade's entry bar to its exit bar inclusive;
// - trade return = pnl / entry notional; average trade = geometric mean of trade returns;
//   expectancy = arithmetic mean. Profit factor is the usual gross profit / gross loss in
//   dollars (backtesting.py divides summed percentages instead, so that one differs).
import type { BacktestResult, Trade } from './types';
import { assertNever } from '../util/assert';

export interface BacktestMetrics {
  start: number;
  end: number;
  durationDays: number;
  initialEquity: number;
  finalEquity: number;
  peakEquity: number;
  totalReturn: number;
  annualReturn: number;
  cagr: number;
  annualVolatility: number;
  sharpe: number;
  sortino: number;
  calmar: number;
  /** deepest fall from a running peak, as a positive fraction (0.2 = 20% below the peak) */
  maxDrawdown: number;
  avgDrawdown: number;
  /** longest time from a peak to its recovery (or the end), in milliseconds */
  maxDrawdownDurationMs: number;
  exposure: number;
  trades: number;
  winRate: number;
  profitFactor: number;
  expectancy: number;
  avgTrade: number;
  bestTrade: number;
  worstTrade: number;
  avgTradeDurationMs: number;
  maxTradeDurationMs: number;
  sqn: number;
  commissions: number;
  buyAndHoldReturn: number;
  periodsPerYear: number;
}

export interface MetricsInput {
  equity: Float64Array;
  times: Float64Array;
  closes: Float64Array;
  trades: readonly Trade[];
  commissions?: number;
  /**
   * bar from which buy & hold is measured (default 0); metricsOf uses the first bar on which the
   * strategy has all its indicator values, as backtesting.py does, so both start together
   */
  buyAndHoldFrom?: number;
}

export interface MetricsOptions {
  /** annual risk-free rate as a fraction (default 0) */
  riskFreeRate?: number;
}

const DAY = 86_400_000;

/** geometric mean return; any wipe-out (a return of -100% or worse) makes it 0, as backtesting.py */
function geometricMean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = 1 + xs[i]!;
    if (x <= 0) return 0;
    s += Math.log(x);
  }
  return Math.exp(s / xs.length) - 1;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** sample variance (n - 1), as pandas */
function variance(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

type Period = 'day' | 'week' | 'month' | 'year';

/** calendar bucket of a time: days, Sunday-ending weeks, months, years (UTC) */
function bucket(t: number, p: Period): number {
  const day = Math.floor(t / DAY);
  switch (p) {
    case 'day':
      return day;
    case 'week':
      return Math.floor((day + 3) / 7); // 1970-01-01 was a Thursday: weeks end on Sunday
    case 'month': {
      const d = new Date(t);
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    }
    case 'year':
      return new Date(t).getUTCFullYear();
    default:
      return assertNever(p, 'period');
  }
}

/** the bars' period, as backtesting.py infers it: the median spacing of the last 100 bars */
function periodOf(times: Float64Array): { period: Period; perYear: number } {
  const from = Math.max(1, times.length - 100);
  const diffs: number[] = [];
  for (let i = from; i < times.length; i++) diffs.push(times[i]! - times[i - 1]!);
  diffs.sort((a, b) => a - b);
  const mid = diffs.length >> 1;
  const median = diffs.length % 2 ? diffs[mid]! : (diffs[mid - 1]! + diffs[mid]!) / 2;
  const days = Math.floor(median / DAY);
  if (days === 7) return { period: 'week', perYear: 52 };
  if (days === 31) return { period: 'month', perYear: 12 };
  if (days === 365) return { period: 'year', perYear: 1 };
  let weekend = 0;
  for (let i = 0; i < times.length; i++) {
    // 1970-01-01 was a Thursday (4); 0 = Sunday, 6 = Saturday
    const wd = (((Math.floor(times[i]! / DAY) + 4) % 7) + 7) % 7;
    if (wd === 0 || wd === 6) weekend++;
  }
  return { period: 'day', perYear: weekend / times.length > (2 / 7) * 0.6 ? 365 : 252 };
}

/** simple returns between the last equity of consecutive calendar periods (with data) */
function periodicReturns(equity: Float64Array, times: Float64Array, period: Period): number[] {
  const last: number[] = [];
  let key = Number.NaN;
  for (let i = 0; i < equity.length; i++) {
    const k = bucket(times[i]!, period);
    if (k === key) last[last.length - 1] = equity[i]!;
    else {
      last.push(equity[i]!);
      key = k;
    }
  }
  return last.slice(1).map((e, i) => e / last[i]! - 1);
}

export function drawdownCurve(equity: Float64Array): Float64Array {
  const dd = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    peak = Math.max(peak, equity[i]!);
    dd[i] = equity[i]! / peak - 1;
  }
  return dd;
}

export function computeMetrics(input: MetricsInput, options: MetricsOptions = {}): BacktestMetrics {
  const { equity, times, closes, trades } = input;
  const n = equity.length;
  if (n < 2 || times.length !== n || closes.length !== n) {
    throw new RangeError(`metrics need equity, times and closes of one length >= 2 (got ${n}, ${times.length}, ${closes.length})`);
  }
  const rf = options.riskFreeRate ?? 0;
  const bhFrom = Math.min(n - 1, Math.max(0, input.buyAndHoldFrom ?? 0));
  const first = equity[0]!;
  const final = equity[n - 1]!;
  const durationMs = times[n - 1]! - times[0]!;

  const { period, perYear } = periodOf(times);
  const periodic = periodicReturns(equity, times, period);
  const g = geometricMean(periodic);
  const annualReturn = (1 + g) ** perYear - 1;
  const annualVolatility = Math.sqrt((variance(periodic) + (1 + g) ** 2) ** perYear - (1 + g) ** (2 * perYear));
  const downside = Math.sqrt(mean(periodic.map((r) => Math.min(r, 0) ** 2))) * Math.sqrt(perYear);

  const dd = drawdownCurve(equity);
  let maxDd = 0;
  let maxDur = 0;
  const episodePeaks: number[] = [];
  let lastZero = 0;
  let episodeWorst = 0;
  for (let i = 0; i < n; i++) {
    const d = -dd[i]!;
    maxDd = Math.max(maxDd, d);
    episodeWorst = Math.max(episodeWorst, d);
    if (d === 0 || i === n - 1) {
      if (i > lastZero + 1) {
        maxDur = Math.max(maxDur, times[i]! - times[lastZero]!);
        episodePeaks.push(episodeWorst);
      }
      if (d === 0) {
        lastZero = i;
        episodeWorst = 0;
      }
    }
  }

  const inMarket = new Uint8Array(n);
  for (const tr of trades) inMarket.fill(1, tr.entryIndex, tr.exitIndex + 1);
  const pnls = trades.map((tr) => tr.pnl);
  const returns = trades.map((tr) => tr.returnPct);
  const grossProfit = pnls.filter((p) => p > 0).reduce((a, b) => a + b, 0);
  const grossLoss = -pnls.filter((p) => p < 0).reduce((a, b) => a + b, 0);
  const durations = trades.map((tr) => tr.exitTime - tr.entryTime);
  const cagrYears = durationMs / DAY / 365.25;

  return {
    start: times[0]!,
    end: times[n - 1]!,
    durationDays: durationMs / DAY,
    initialEquity: first,
    finalEquity: final,
    peakEquity: equity.reduce((a, b) => Math.max(a, b), -Infinity),
    totalReturn: (final - first) / first,
    annualReturn,
    cagr: cagrYears > 0 ? (final / first) ** (1 / cagrYears) - 1 : Number.NaN,
    annualVolatility,
    sharpe: annualVolatility > 0 ? (annualReturn - rf) / annualVolatility : Number.NaN,
    sortino: downside > 0 ? (annualReturn - rf) / downside : Number.NaN,
    calmar: maxDd > 0 ? annualReturn / maxDd : Number.NaN,
    maxDrawdown: maxDd,
    avgDrawdown: episodePeaks.length ? mean(episodePeaks) : 0,
    maxDrawdownDurationMs: maxDur,
    exposure: inMarket.reduce((a, b) => a + b, 0) / n,
    trades: trades.length,
    winRate: trades.length ? pnls.filter((p) => p > 0).length / trades.length : Number.NaN,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : grossProfit > 0 ? Infinity : Number.NaN,
    expectancy: mean(returns),
    avgTrade: geometricMean(returns),
    bestTrade: trades.length ? Math.max(...returns) : Number.NaN,
    worstTrade: trades.length ? Math.min(...returns) : Number.NaN,
    avgTradeDurationMs: mean(durations),
    maxTradeDurationMs: trades.length ? Math.max(...durations) : Number.NaN,
    sqn: trades.length > 1 ? (Math.sqrt(trades.length) * mean(pnls)) / Math.sqrt(variance(pnls)) : Number.NaN,
    commissions: input.commissions ?? trades.reduce((a, tr) => a + tr.commission, 0),
    buyAndHoldReturn: (closes[n - 1]! - closes[bhFrom]!) / closes[bhFrom]!,
    periodsPerYear: perYear,
  };
}

/** metrics of a BacktestResult over the columns it ran on */
export function metricsOf(result: BacktestResult, closes: Float64Array, options?: MetricsOptions): BacktestMetrics {
  return computeMetrics(
    { equity: result.equity, times: result.times, closes, trades: result.trades, commissions: result.totalCommission, buyAndHoldFrom: result.warmup - 1 },
    options,
  );
}
