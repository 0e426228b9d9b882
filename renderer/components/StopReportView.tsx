// How the last emergency stop went, step by step with times, as killswitch:progress reports it.
import type { StopReport, StopStepName } from '../../engine/domain/types';
import { assertNever } from '../assertNever';
import { clockTime, dateTime, durationMs } from '../format';

function stepLabel(name: StopStepName): string {
  switch (name) {
    case 'halt':
      return 'Halt (persisted)';
    case 'cancel_orders':
      return 'Cancel open orders';
    case 'flatten':
      return 'Flatten positions';
    case 'confirm':
      return 'Broker confirms';
    default:
      return assertNever(name);
  }
}

function reportStatusLabel(status: StopReport['status']): string {
  switch (status) {
    case 'running':
      return 'running';
    case 'confirmed':
      return 'confirmed';
    case 'failed':
      return 'FAILED';
    case 'noop':
      return 'already stopped';
    default:
      return assertNever(status);
  }
}

export function StopReportView(props: { report: StopReport; compact?: boolean }) {
  const r = props.report;
  return (
    <div className={`stop-report ${props.compact ? 'stop-report-compact' : ''}`} data-testid="stop-report">
      <div className="stop-report-head">
        <span>
          Stop from <b>{r.source}</b> at {dateTime(r.requestedAt)}
          {r.flatten ? ', with flatten' : ''}
        </span>
        <span className={`stop-status stop-status-${r.status}`}>{reportStatusLabel(r.status)}</span>
        {r.openOrdersRemaining !== null && <span>open orders left: {r.openOrdersRemaining}</span>}
        {r.positionsRemaining !== null && <span>positions left: {r.positionsRemaining}</span>}
      </div>
      <ol className="stop-steps">
        {r.steps.map((s) => {
          const ms = durationMs(s.startedAt, s.endedAt);
          return (
            <li key={s.name} className={`stop-step step-${s.status}`}>
              <span className="step-name">{stepLabel(s.name)}</span>
              <span className="step-status">{s.status}</span>
              <span className="step-time">
                {s.startedAt !== null ? clockTime(s.startedAt) : ''}
                {ms !== null ? ` · ${ms} ms` : ''}
                {s.attempts > 1 ? ` · ${s.attempts} attempts` : ''}
              </span>
              {s.detail && <span className="step-detail">{s.detail}</span>}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
