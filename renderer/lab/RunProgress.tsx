// Progress of the run of one kind: a bar with its percent while it runs (a backtest counts its
// bars, a sweep its points, a walk-forward its windows), with Cancel; then how it ended.
import type { LabRunKind } from '../../engine/api/lab';
import { cancelRun } from './actions';
import { count, progressText, UNIT } from './progressText';
import { useLabStore } from './store';

const PHASE_TEXT = { loading: 'Loading bars…', running: 'Running on worker threads…', saving: 'Saving…' } as const;

export function RunProgress(props: { kind: LabRunKind }) {
  const run = useLabStore((s) => s.runs[props.kind]);
  const finished = useLabStore((s) => s.finished[props.kind]);
  const phases = useLabStore((s) => s.phases[props.kind]);
  const units = useLabStore((s) => s.units[props.kind]);
  const state = run ? 'running' : (finished?.status ?? 'idle');
  const counts = units ? { 'data-done': units.done, 'data-total': units.total } : {};
  return (
    <div className={`lab-progress lab-progress-${state}`} data-testid="lab-progress" data-state={state} data-phases={phases.join(',')} {...counts} aria-live="polite">
      {run ? (
        <>
          {/* no count yet (loading): an indeterminate bar */}
          {units ? <progress max={units.total} value={units.done} aria-label={`${props.kind} progress`} /> : <progress aria-label={`${props.kind} progress`} />}
          <span className="lab-progress-text">
            {PHASE_TEXT[run.phase]} {units ? progressText(props.kind, units.done, units.total) : ''}
          </span>
          <button type="button" className="btn btn-small btn-reject" onClick={() => void cancelRun(run.runId)}>
            Cancel
          </button>
        </>
      ) : finished ? (
        <>
          <progress max={1} value={finished.status === 'done' ? 1 : 0} aria-label={`${props.kind} progress`} />
          <span className={`lab-progress-text lab-outcome-${finished.status}`}>
            {finished.status === 'done'
              ? `Done (100%): ${finished.message}${units ? ` · ${count(units.total)} ${UNIT[props.kind]}` : ''}`
              : `${finished.message}${units && units.done < units.total ? ` (stopped at ${progressText(props.kind, units.done, units.total)})` : ''}`}
          </span>
        </>
      ) : (
        <span className="muted">No {props.kind} run yet.</span>
      )}
    </div>
  );
}
