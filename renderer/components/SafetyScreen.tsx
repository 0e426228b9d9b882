// "Readiness & safety": the checklist, the emergency-stop drill with its last result and step
// timings, the last emergency stop, and every alert.
import { useState } from 'react';
import { runDrill } from '../actions';
import { useKillSwitchStore } from '../store/killswitch';
import { AlertsPanel } from './Alerts';
import { ReadinessPanel } from './ReadinessPanel';
import { StopReportView } from './StopReportView';

function DrillPanel() {
  const state = useKillSwitchStore((s) => s.tradingState?.state);
  const lastDrill = useKillSwitchStore((s) => s.lastDrill);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const canRun = state === 'active' && !running;
  return (
    <section className="panel drill-panel" aria-label="Emergency stop drill">
      <div className="panel-head">
        <h2>Emergency stop drill</h2>
        <button
          type="button"
          className="btn btn-warn"
          disabled={!canRun}
          title={
            state === 'active'
              ? 'Runs the whole stop sequence on the simulator or a paper account, records it, and re-arms when it passed'
              : 'Trading must be Active: re-arm first'
          }
          onClick={async () => {
            setRunning(true);
            setError(null);
            const result = await runDrill();
            setRunning(false);
            if (!result.ok) setError(result.error.message);
          }}
        >
          {running ? 'Drill running…' : 'Test emergency stop'}
        </button>
        {state !== undefined && state !== 'active' && <span className="muted">only while trading is Active</span>}
      </div>
      {error && (
        <p className="inline-error drill-error" role="alert" data-testid="drill-error">
          Drill refused: {error}
        </p>
      )}
      {lastDrill ? (
        <StopReportView report={lastDrill} testId="drill-report" />
      ) : (
        <p className="empty">No drill has been run on this account. The readiness checklist asks for one within 7 days.</p>
      )}
    </section>
  );
}

export function SafetyScreen() {
  const lastStop = useKillSwitchStore((s) => s.lastStop);
  return (
    <div className="screen safety-screen">
      <ReadinessPanel />
      <DrillPanel />
      <section className="panel" aria-label="Last emergency stop">
        <div className="panel-head">
          <h2>Last emergency stop</h2>
        </div>
        {lastStop ? <StopReportView report={lastStop} /> : <p className="empty">The emergency stop has not been used.</p>}
      </section>
      <AlertsPanel />
    </div>
  );
}
