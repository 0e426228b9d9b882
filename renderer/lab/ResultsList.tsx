// Saved results: reopen one, delete one, tick backtests to compare them side by side.
import type { LabResultSummary } from '../../engine/api/lab';
import { dateTime } from '../format';
import { chooseForComparison, deleteResult, openResult } from './actions';
import { formatMetric } from './metricsView';
import { useLabStore } from './store';
import { strategyText } from './strategyText';

function headline(r: LabResultSummary): string {
  if (r.metrics) return `Sharpe ${formatMetric(r.metrics.sharpe, 'ratio')} · return ${formatMetric(r.metrics.totalReturn, 'pct')} · ${r.metrics.trades ?? 0} trades`;
  if (r.walkForward) return `OOS Sharpe > 0 in ${r.walkForward.positiveWindows}/${r.walkForward.windows} windows`;
  if (r.sweep) return `${r.sweep.points} points; best ${r.sweep.objective} ${formatMetric(r.sweep.best?.score ?? null, 'ratio')}`;
  return '';
}

export function ResultsList() {
  const results = useLabStore((s) => s.results);
  const compare = useLabStore((s) => s.compare);
  const open = useLabStore((s) => s.open);
  return (
    <section className="panel" aria-label="Saved results">
      <div className="panel-head">
        <h2>Saved results</h2>
        <span className="count">{results.length}</span>
        <span className="muted">every completed run is saved; tick backtests to compare</span>
      </div>
      {results.length === 0 ? (
        <p className="empty">No saved results yet: run a backtest.</p>
      ) : (
        <div className="table-panel lab-table">
          <table className="data-table" data-testid="lab-results-list">
            <thead>
              <tr>
                <th>Compare</th>
                <th>Name</th>
                <th>Kind</th>
                <th>Data</th>
                <th>Saved</th>
                <th>Headline</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {results.map((r) => {
                const isOpen = open[r.kind]?.summary.id === r.id;
                return (
                  <tr key={r.id} data-testid="lab-result-row" data-id={r.id} data-kind={r.kind} className={isOpen ? 'lab-row-open' : undefined}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Compare ${r.name}`}
                        disabled={r.kind !== 'backtest'}
                        title={r.kind === 'backtest' ? undefined : 'only backtests have a full set of metrics to compare'}
                        checked={compare.includes(r.id)}
                        onChange={() => chooseForComparison(r.id)}
                      />
                    </td>
                    <td>
                      <span className="lab-result-name">{r.name}</span>
                      {/* two runs of the same strategy differ by parameters; an ensemble by members and rule */}
                      <span className="muted lab-result-strategy" data-testid="lab-result-strategy">
                        {strategyText(r.strategy)}
                      </span>
                    </td>
                    <td>{r.kind}</td>
                    <td>{r.setup.dataset}</td>
                    <td>{dateTime(r.createdAt)}</td>
                    <td className="muted">{headline(r)}</td>
                    <td className="lab-row-actions">
                      <button type="button" className="btn btn-small" onClick={() => void openResult(r.id)}>
                        Open
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => void deleteResult(r.id)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
