// Several saved backtests side by side, one column each, the best of each ranked row marked.
import type { LabResultSummary } from '../../engine/api/lab';
import { chooseForComparison } from './actions';
import { downloadCsv, metricsCsv } from './csvExport';
import { bestIndex, formatMetric, METRIC_ROWS } from './metricsView';
import { useLabStore } from './store';
import { strategyText } from './strategyText';

const costsText = (r: LabResultSummary): string => {
  const c = r.setup.costs;
  const parts = [c.commission.pct ? `${+(c.commission.pct * 100).toFixed(4)}%` : '', c.commission.perShare ? `$${c.commission.perShare}/sh` : '', c.commission.fixed ? `$${c.commission.fixed}/fill` : ''].filter(Boolean);
  const slip = c.slippage.kind === 'bps' ? `${c.slippage.bps} bps` : c.slippage.kind === 'atr' ? `${c.slippage.fraction} ATR` : '';
  return [...parts, slip].filter(Boolean).join(' + ') || 'none';
};

export function CompareTable() {
  const ids = useLabStore((s) => s.compare);
  const results = useLabStore((s) => s.results);
  const chosen = ids.map((id) => results.find((r) => r.id === id)).filter((r): r is LabResultSummary => r !== undefined && r.metrics !== null);
  if (chosen.length === 0) return null;
  return (
    <section className="panel" aria-label="Comparison">
      <div className="panel-head">
        <h2>Comparison</h2>
        <span className="count">{chosen.length}</span>
        <span className="lab-actions">
          <button type="button" className="btn btn-small" onClick={() => downloadCsv('lab-comparison-metrics.csv', metricsCsv(chosen))}>
            Export metrics CSV
          </button>
        </span>
      </div>
      <div className="table-panel lab-table">
        <table className="data-table lab-compare" data-testid="lab-compare">
          <thead>
            <tr>
              <th />
              {chosen.map((r) => (
                <th key={r.id} scope="col" data-id={r.id}>
                  <span className="lab-compare-name">{r.name}</span>
                  <button type="button" className="btn btn-small" aria-label={`Remove ${r.name} from the comparison`} onClick={() => chooseForComparison(r.id)}>
                    ×
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">Strategy</th>
              {chosen.map((r) => (
                <td key={r.id} data-testid="lab-compare-strategy">
                  {strategyText(r.strategy)}
                </td>
              ))}
            </tr>
            <tr>
              <th scope="row">Data</th>
              {chosen.map((r) => (
                <td key={r.id}>{r.setup.dataset}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">Costs</th>
              {chosen.map((r) => (
                <td key={r.id}>{costsText(r)}</td>
              ))}
            </tr>
            {METRIC_ROWS.map((row) => {
              const values = chosen.map((r) => r.metrics?.[row.key] ?? null);
              const best = bestIndex(values, row.better);
              return (
                <tr key={row.key} data-metric={row.key}>
                  <th scope="row">{row.label}</th>
                  {values.map((v, i) => (
                    <td key={chosen[i]!.id} className={`num ${best === i ? 'lab-best' : ''}`}>
                      {formatMetric(v, row.format)}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
