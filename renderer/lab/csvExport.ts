// CSV files built in the renderer from what a result already holds: the trades of a backtest
// and the metrics of one or several results side by side. Fields are quoted as RFC 4180 asks,
// and a text that a spreadsheet would run as a formula is defused.
import type { LabMetrics, LabResultSummary, LabTrade } from '../../engine/api/lab';
import { METRIC_ROWS } from './metricsView';
import { strategyText } from './strategyText';

export function csvField(x: string | number | null): string {
  if (x === null) return '';
  if (typeof x === 'number') return Number.isFinite(x) ? String(x) : '';
  // =, +, -, @ (and tab / CR) at the start make spreadsheets evaluate the cell
  const safe = /^[=+\-@\t\r]/.test(x) ? `'${x}` : x;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const line = (fields: (string | number | null)[]): string => fields.map(csvField).join(',');

const iso = (t: number): string => new Date(t).toISOString();

export function tradesCsv(trades: readonly LabTrade[]): string {
  const head = ['side', 'size', 'entryTime', 'exitTime', 'entryPrice', 'exitPrice', 'pnl', 'returnPct', 'commission', 'exitReason'];
  const rows = trades.map((t) => line([t.side, t.size, iso(t.entryTime), iso(t.exitTime), t.entryPrice, t.exitPrice, t.pnl, t.returnPct, t.commission, t.exitReason]));
  return [line(head), ...rows].join('\r\n') + '\r\n';
}

/** one row per metric (raw values: fractions, dollars, milliseconds), one column per result */
export function metricsCsv(results: readonly LabResultSummary[]): string {
  const withMetrics = results.filter((r): r is LabResultSummary & { metrics: LabMetrics } => r.metrics !== null);
  const head = ['metric', ...withMetrics.map((r) => r.name)];
  const context = [
    line(['strategy', ...withMetrics.map((r) => strategyText(r.strategy))]),
    line(['dataset', ...withMetrics.map((r) => r.setup.dataset)]),
  ];
  const rows = METRIC_ROWS.map((m) => line([m.key, ...withMetrics.map((r) => r.metrics[m.key] ?? null)]));
  return [line(head), ...context, ...rows].join('\r\n') + '\r\n';
}

/** a file name from a result name: letters, digits, dashes */
export function fileNameFor(name: string, suffix: string): string {
  const base = name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'lab';
  return `${base}-${suffix}.csv`;
}

/** hands the text to the browser as a download through a Blob link */
export function downloadCsv(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // the download has taken its copy once the click's task ran
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
