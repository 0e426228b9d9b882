// Risk, strategy and approval settings. A save sends only what changed; a refusal is shown inline.
import { useState, type FormEvent } from 'react';
import type { Settings } from '../../engine/domain/types';
import { updateSettings } from '../actions';
import { draftOf, patchFrom, type SettingsDraft } from '../settingsDraft';
import { useSettingsStore } from '../store/settings';

function SettingsForm(props: { settings: Settings }) {
  const [draft, setDraft] = useState<SettingsDraft>(() => draftOf(props.settings));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const field = (key: keyof SettingsDraft) => ({
    value: draft[key],
    onChange: (e: { target: { value: string } }) => {
      setDraft({ ...draft, [key]: e.target.value });
      setMessage(null);
    },
  });

  async function save(e: FormEvent): Promise<void> {
    e.preventDefault();
    const patch = patchFrom(props.settings, draft);
    if (Object.keys(patch).length === 0) return setMessage({ kind: 'ok', text: 'Nothing changed.' });
    setBusy(true);
    // JSON turns NaN into null; the engine's validation then names the field
    const result = await updateSettings(patch, false);
    setBusy(false);
    setMessage(result.ok ? { kind: 'ok', text: 'Saved.' } : { kind: 'error', text: result.error.message });
  }

  return (
    <form className="settings-form" onSubmit={save}>
      <fieldset>
        <legend>Risk</legend>
        <label>
          Risk per trade (% of equity, max 2)
          <input inputMode="decimal" {...field('riskPct')} />
        </label>
        <label>
          Max position notional (% of equity)
          <input inputMode="decimal" {...field('maxPositionPct')} />
        </label>
        <label>
          Max open positions
          <input inputMode="numeric" {...field('maxOpenPositions')} />
        </label>
      </fieldset>
      <fieldset>
        <legend>Strategy: SMA crossover</legend>
        <label>
          Fast SMA (bars)
          <input inputMode="numeric" {...field('fast')} />
        </label>
        <label>
          Slow SMA (bars)
          <input inputMode="numeric" {...field('slow')} />
        </label>
        <label className="wide">
          Symbols traded
          <input {...field('symbols')} />
        </label>
      </fieldset>
      <fieldset>
        <legend>Approvals</legend>
        <label>
          Approval timeout (seconds)
          <input inputMode="numeric" {...field('approvalTimeoutSec')} />
        </label>
      </fieldset>
      <div className="settings-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
        <button type="button" className="btn" onClick={() => setDraft(draftOf(props.settings))}>
          Revert
        </button>
        {message && (
          <p className={message.kind === 'error' ? 'inline-error' : 'inline-ok'} role={message.kind === 'error' ? 'alert' : undefined} data-testid="settings-message">
            {message.text}
          </p>
        )}
      </div>
    </form>
  );
}

export function SettingsPanel() {
  const settings = useSettingsStore((s) => s.settings);
  return (
    <section className="panel settings-panel" aria-label="Settings">
      <div className="panel-head">
        <h2>Settings</h2>
      </div>
      {settings ? (
        // a fresh form whenever the engine's settings change, so it never shows stale values
        <SettingsForm key={JSON.stringify([settings.risk, settings.strategy, settings.approvalTimeoutSec])} settings={settings} />
      ) : (
        <p className="empty">Waiting for the engine…</p>
      )}
    </section>
  );
}
