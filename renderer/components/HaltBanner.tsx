// While trading is not active: a banner that says what stopped it (the emergency stop, a loss
// breaker, the dead-man switch), who, when and why; it stays until the user re-arms with a typed
// reason (from Halted or Reducing alike), and shows how the last stop went.
import { useState, type FormEvent } from 'react';
import type { TradingStateRecord } from '../../engine/domain/types';
import { rearm } from '../actions';
import { dateTime } from '../format';
import { setterLabel, stateCause, useKillSwitchStore } from '../store/killswitch';
import { StopReportView } from './StopReportView';

export const REARM_REASON_MIN = 3;

function RearmForm(props: { onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const tooShort = reason.trim().length < REARM_REASON_MIN;

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    if (tooShort) {
      setError(`give a reason of at least ${REARM_REASON_MIN} characters`);
      return;
    }
    setBusy(true);
    const result = await rearm(reason.trim());
    setBusy(false);
    if (result.ok) props.onDone();
    else setError(result.error.message);
  }

  return (
    <form className="rearm-form" onSubmit={submit}>
      <label>
        Why is it safe to trade again?
        <input
          autoFocus
          value={reason}
          maxLength={500}
          placeholder="e.g. checked the feed, prices are sane again"
          onChange={(e) => {
            setReason(e.target.value);
            setError(null);
          }}
        />
      </label>
      <button type="submit" className="btn btn-warn" disabled={busy || tooShort}>
        Confirm re-arm
      </button>
      <button type="button" className="btn" onClick={props.onDone}>
        Cancel
      </button>
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function headline(ts: TradingStateRecord): string {
  const what = ts.state === 'halted' ? 'Trading halted' : 'Reducing only: no new positions';
  return `${what}${ts.latched ? ' (latched)' : ''}`;
}

export function HaltBanner() {
  const ts = useKillSwitchStore((s) => s.tradingState);
  const lastStop = useKillSwitchStore((s) => s.lastStop);
  const [rearming, setRearming] = useState(false);
  if (!ts || ts.state === 'active') return null;
  return (
    <section
      className={`halt-banner halt-${ts.state}`}
      role="status"
      aria-label={ts.state === 'halted' ? 'Trading halted' : 'Trading reducing'}
    >
      <div className="halt-main">
        <div>
          <strong className="halt-title">{headline(ts)}</strong>
          <span className="halt-cause" data-testid="halt-cause">
            {stateCause(ts)}
          </span>
          <span className="halt-detail">
            by {setterLabel(ts.setBy)} at {dateTime(ts.at)}
            {ts.reason ? ` — ${ts.reason}` : ''}
          </span>
        </div>
        {!rearming && (
          <button type="button" className="btn btn-warn" onClick={() => setRearming(true)}>
            Re-arm
          </button>
        )}
      </div>
      {rearming && <RearmForm onDone={() => setRearming(false)} />}
      {/* the stop report belongs to a halt; a breaker's Reducing did not stop anything */}
      {ts.state === 'halted' && lastStop && <StopReportView report={lastStop} compact />}
    </section>
  );
}
