// Walk-forward windows and sweep points, as tables. A sweep point can be taken back into the
// form to backtest it on its own.
import type { LabResult } from '../../engine/api/lab';
import { dateTime } from '../format';
import { patchDraft, useLabFormStore } from './formDraft';
import { formatMetric } from './metricsView';

type WalkForward = Extract<LabResult, { kind: 'walk-forward' }>;
type Sweep = Extract<LabResult, { kind: 'sweep' }>;

const paramsText = (p: Record<string, number>): string => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');

export function WalkForwardView(props: { result: WalkForward }) {
  const { summary, windows } = props.result;
  const wf = summary.walkForward;
  return (
    <section className="panel lab-result" aria-label="Walk-forward result" data-testid="lab-walk-forward" data-result-id={summary.id}>
      <div className="panel-head">
        <h2>Walk-forward</h2>
        <span className="lab-result-name">{summary.name}</span>
        {wf && (
          <span className={wf.positiveWindows * 3 >= wf.windows * 2 ? 'pos' : 'neg'}>
            out-of-sample Sharpe &gt; 0 in {wf.positiveWindows} of {wf.windows} windows · mean {formatMetric(wf.meanTestSharpe, 'ratio')}
          </span>
        )}
      </div>
      <div className="table-panel lab-table">
        <table className="data-table">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Train</th>
              <th>Test</th>
              <th>Chosen parameters</th>
              <th className="num">Train score</th>
              <th className="num">Test Sharpe</th>
              <th className="num">Test return</th>
              <th className="num">Test max DD</th>
              <th className="num">Trades</th>
            </tr>
          </thead>
          <tbody>
            {windows.map((w) => (
              <tr key={w.index}>
                <td className="num">{w.index + 1}</td>
                <td>
                  {dateTime(w.trainFromT)} → {dateTime(w.trainToT)}
                </td>
                <td>
                  {dateTime(w.testFromT)} → {dateTime(w.testToT)}
                </td>
                <td>{paramsText(w.params)}</td>
                <td className="num">{formatMetric(w.trainScore, 'ratio')}</td>
                <td className={`num ${(w.test.sharpe ?? 0) > 0 ? 'pos' : 'neg'}`}>{formatMetric(w.test.sharpe, 'ratio')}</td>
                <td className="num">{formatMetric(w.test.totalReturn, 'pct')}</td>
                <td className="num">{formatMetric(w.test.maxDrawdown, 'pct')}</td>
                <td className="num">{formatMetric(w.test.trades, 'count')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const SWEEP_ROWS = 200;

export function SweepView(props: { result: Sweep }) {
  const { summary, points, skipped } = props.result;
  const objective = summary.sweep?.objective ?? 'sharpe';
  const ranked = [...points].sort((a, b) => (b.metrics[objective] ?? -Infinity) - (a.metrics[objective] ?? -Infinity));
  const strategyId = summary.strategyId;

  function backtestPoint(params: Record<string, number>): void {
    const d = useLabFormStore.getState().draft;
    patchDraft({ mode: 'backtest', strategyId, dataset: summary.setup.dataset, params: { ...d.params, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) } });
  }

  return (
    <section className="panel lab-result" aria-label="Sweep result" data-testid="lab-sweep" data-result-id={summary.id}>
      <div className="panel-head">
        <h2>Sweep</h2>
        <span className="lab-result-name">{summary.name}</span>
        <span className="muted">
          {points.length} points ranked by {objective}
          {skipped.length ? `, ${skipped.length} invalid combinations skipped (${skipped[0]?.reason})` : ''}
        </span>
      </div>
      <div className="table-panel lab-table">
        <table className="data-table">
          <thead>
            <tr>
              <th className="num">Rank</th>
              <th>Parameters</th>
              <th className="num">Sharpe</th>
              <th className="num">Return</th>
              <th className="num">Max DD</th>
              <th className="num">Win rate</th>
              <th className="num">Trades</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {ranked.slice(0, SWEEP_ROWS).map((p, i) => (
              <tr key={paramsText(p.params)}>
                <td className="num">{i + 1}</td>
                <td>{paramsText(p.params)}</td>
                <td className="num">{formatMetric(p.metrics.sharpe, 'ratio')}</td>
                <td className="num">{formatMetric(p.metrics.totalReturn, 'pct')}</td>
                <td className="num">{formatMetric(p.metrics.maxDrawdown, 'pct')}</td>
                <td className="num">{formatMetric(p.metrics.winRate, 'pct')}</td>
                <td className="num">{formatMetric(p.metrics.trades, 'count')}</td>
                <td>
                  <button type="button" className="btn btn-small" onClick={() => backtestPoint(p.params)}>
                    Backtest these
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {ranked.length > SWEEP_ROWS && <p className="muted">Top {SWEEP_ROWS} of {ranked.length} shown.</p>}
      </div>
    </section>
  );
}
