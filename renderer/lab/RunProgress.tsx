// Progress of the run of one kind: a bar while it runs (with Cancel), then how it ended.
import type { LabRunKind } from '../../engine/api/lab';
import { cancelRun } from './actions';
import { useLabStore } from './store';

const PHASE_TEXT = { loading: 'Loading bars…', running: 'Running on worker threads…', saving: 'Saving…' } as const;

export function RunProgress(props: { kind: LabRunKind }) {
  const run = useLabStore((s) => s.runs[props.kind]);
  const finished = useLabStore((s) => s.finished[props.kind]);
  const phases = useLabStore((s) => s.phases[props.kind]);
  const state = run ? 'running' : (finished?.status ?? 'idle');
  const done = run ? run.done : finished?.status === 'done' ? 1 : 0;
  const total = run ? run.total : 1;
  const pct = total > 0 ? Math.round((done / total) * 100) : 0;
  return (
    <div className={`lab-progress lab-progress-${state}`} data-testid="lab-progress" data-state={state} data-phases={phases.join(',')} aria-live="polite">
      {run ? (
        <>
          <progress max={total} value={done} aria-label={`${props.kind} progress`} />
          <span className="lab-progress-text">
            {PHASE_TEXT[run.phase]} {total > 1 ? `${done} / ${total} (${pct}%)` : ''}
          </span>
          <button type="button" className="btn btn-small btn-reject" onClick={() => void cancelRun(run.runId)}>
            Cancel
          </button>
        </>
      ) : finished ? (
        <>
          <progress max={1} value={finished.status === 'done' ? 1 : 0} aria-label={`${props.kind} progress`} />
          <span className={`lab-progress-text lab-outcome-${finished.status}`}>
            {finished.status === 'done' ? `Done (100%): ${finished.message}` : finished.message}
          </span>
        </>
      ) : (
        <span className="muted">No {props.kind} run yet.</span>
      )}
    </div>
  );
}
