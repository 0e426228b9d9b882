// Which metrics the Lab shows, in what order and how they read; shared by the metrics table,
// the comparison table and the CSV export.
import type { LabMetrics } from '../../engine/api/lab';
import { assertNever } from '../assertNever';

export type MetricFormat = 'pct' | 'ratio' | 'money' | 'count' | 'duration';

export interface MetricRow {
  key: keyof LabMetrics;
  label: string;
  format: MetricFormat;
  /** which way is better, for highlighting the best of a comparison (none: not ranked) */
  better?: 'high' | 'low';
}

export const METRIC_ROWS: readonly MetricRow[] = [
  { key: 'totalReturn', label: 'Total return', format: 'pct', better: 'high' },
  { key: 'annualReturn', label: 'Annual return', format: 'pct', better: 'high' },
  { key: 'cagr', label: 'CAGR', format: 'pct', better: 'high' },
  { key: 'annualVolatility', label: 'Volatility (ann.)', format: 'pct', better: 'low' },
  { key: 'sharpe', label: 'Sharpe', format: 'ratio', better: 'high' },
  { key: 'sortino', label: 'Sortino', format: 'ratio', better: 'high' },
  { key: 'calmar', label: 'Calmar', format: 'ratio', better: 'high' },
  { key: 'maxDrawdown', label: 'Max drawdown', format: 'pct', better: 'low' },
  { key: 'maxDrawdownDurationMs', label: 'Max drawdown duration', format: 'duration', better: 'low' },
  { key: 'trades', label: 'Trades', format: 'count' },
  { key: 'winRate', label: 'Win rate', format: 'pct', better: 'high' },
  { key: 'profitFactor', label: 'Profit factor', format: 'ratio', better: 'high' },
  { key: 'expectancy', label: 'Expectancy (per trade)', format: 'pct', better: 'high' },
  { key: 'avgTrade', label: 'Average trade', format: 'pct', better: 'high' },
  { key: 'bestTrade', label: 'Best trade', format: 'pct' },
  { key: 'worstTrade', label: 'Worst trade', format: 'pct' },
  { key: 'exposure', label: 'Exposure', format: 'pct' },
  { key: 'riskRefused', label: 'Entries refused by risk', format: 'count' },
  { key: 'commissions', label: 'Commissions', format: 'money', better: 'low' },
  { key: 'finalEquity', label: 'Final equity', format: 'money', better: 'high' },
  { key: 'buyAndHoldReturn', label: 'Buy & hold return', format: 'pct' },
];

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

function duration(ms: number): string {
  const days = ms / 86_400_000;
  if (days >= 1) return `${days.toFixed(days >= 10 ? 0 : 1)} d`;
  const hours = ms / 3_600_000;
  if (hours >= 1) return `${hours.toFixed(1)} h`;
  return `${Math.round(ms / 60_000)} min`;
}

export function formatMetric(x: number | null, format: MetricFormat): string {
  if (x === null) return '–';
  switch (format) {
    case 'pct':
      // annualising a few hours of minute bars gives astronomical figures: keep them readable
      return Math.abs(x) >= 1e4 ? `${(x * 100).toExponential(2)}%` : `${(x * 100).toFixed(2)}%`;
    case 'ratio':
      return x.toFixed(2);
    case 'money':
      return money.format(x);
    case 'count':
      return String(x);
    case 'duration':
      return duration(x);
    default:
      return assertNever(format);
  }
}

/** index of the best value in a row (null when the row is not ranked or nothing compares) */
export function bestIndex(values: readonly (number | null)[], better: MetricRow['better']): number | null {
  if (!better) return null;
  let best: number | null = null;
  values.forEach((v, i) => {
    if (v === null) return;
    const b = best === null ? null : values[best]!;
    if (b === null || (better === 'high' ? v > b : v < b)) best = i;
  });
  return values.filter((v) => v !== null).length > 1 ? best : null;
}
