// How an emergency stop (or a drill) went, step by step with times and attempts, as
// killswitch:progress reports it. A failed step is red with its detail; a stop the broker did not
// confirm says NOT CONFIRMED in red. Nothing about a failure is folded away.
import type { StopReport } from '../../engine/domain/types';
import { dateTime } from '../format';
import {
  notConfirmedText,
  reportDurationMs,
  reportStatusLabel,
  sourceLabel,
  stepLabel,
  stepStatusLabel,
  stepTimingText,
} from '../stopReportText';

export function StopReportView(props: { report: StopReport; compact?: boolean; testId?: string }) {
  const r = props.report;
  const total = reportDurationMs(r);
  const alarm = notConfirmedText(r);
  return (
    <div
      className={`stop-report ${props.compact ? 'stop-report-compact' : ''}`}
      data-testid={props.testId ?? 'stop-report'}
      data-status={r.status}
    >
      <div className="stop-report-head">
        <span>
          {r.source === 'drill' ? (
            <b>Drill</b>
          ) : (
            <>
              Stop from <b>{sourceLabel(r.source)}</b>
            </>
          )}{' '}
          at {dateTime(r.requestedAt)}
          {r.flatten ? ', with flatten' : ''}
        </span>
        <span className={`stop-status stop-status-${r.status}`}>{reportStatusLabel(r.status)}</span>
        {total !== null && <span>total {total} ms</span>}
        {r.openOrdersRemaining !== null && <span>open orders left: {r.openOrdersRemaining}</span>}
        {r.positionsRemaining !== null && <span>positions left: {r.positionsRemaining}</span>}
      </div>
      {alarm && (
        <p className="stop-not-confirmed" role="alert" data-testid="stop-not-confirmed">
          {alarm}
        </p>
      )}
      <ol className="stop-steps">
        {r.steps.map((s) => (
          <li key={s.name} className={`stop-step step-${s.status}`} data-testid="stop-step" data-step={s.name} data-status={s.status}>
            <span className="step-name">{stepLabel(s.name)}</span>
            <span className="step-status">{stepStatusLabel(s.status)}</span>
            <span className="step-time">{stepTimingText(s)}</span>
            {s.detail && <span className="step-detail">{s.detail}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}
