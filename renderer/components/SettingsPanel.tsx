// Risk, dead-man, strategy and approval settings, grouped, each with its unit and the range the
// engine accepts. A save sends only what changed. The engine is the judge of every value: an
// out-of-range value is marked while typing but still sent, so the refusal that comes back
// names the limit, and is shown inline, next to the field it names and under the form.
import { useState, type FormEvent } from 'react';
import type { Settings } from '../../engine/domain/types';
import { updateSettings } from '../actions';
import { draftOf, patchFrom, type SettingsDraft } from '../settingsDraft';
import {
  fieldsNamedIn,
  inRange,
  NUMERIC_FIELDS,
  rangeText,
  refusalFor,
  SETTINGS_GROUPS,
  unitSuffix,
  type NumericField,
  type NumericFieldId,
  type SettingsGroup,
} from '../settingsFields';
import { useSettingsStore } from '../store/settings';

type Message = { kind: 'error' | 'ok'; text: string };

function NumberField(props: {
  field: NumericField;
  value: string;
  refused: string | null;
  onChange: (value: string) => void;
}) {
  const { field } = props;
  const ok = inRange(field, props.value);
  const inputId = `setting-${field.id}`;
  const hintId = `${inputId}-range`;
  const suffix = unitSuffix(field.unit);
  return (
    <div className={`setting-field ${ok ? '' : 'setting-out-of-range'} ${props.refused ? 'setting-refused' : ''}`} data-testid={`setting-${field.id}`}>
      <label htmlFor={inputId}>{field.label}</label>
      <div className="setting-input">
        <input
          id={inputId}
          inputMode={field.integer ? 'numeric' : 'decimal'}
          value={props.value}
          aria-invalid={!ok || props.refused !== null}
          aria-describedby={hintId}
          onChange={(e) => props.onChange(e.target.value)}
        />
        {suffix && <span className="setting-unit">{suffix}</span>}
      </div>
      <span id={hintId} className="setting-range">
        {rangeText(field)}
      </span>
      {props.refused && <span className="setting-refusal">{props.refused}</span>}
    </div>
  );
}

function SettingsForm(props: { settings: Settings; message: Message | null; setMessage: (m: Message | null) => void }) {
  const [draft, setDraft] = useState<SettingsDraft>(() => draftOf(props.settings));
  const [busy, setBusy] = useState(false);
  const { message, setMessage } = props;
  const refusedFields: ReadonlySet<NumericFieldId> = message?.kind === 'error' ? fieldsNamedIn(message.text) : new Set();

  function edit(change: Partial<SettingsDraft>): void {
    setDraft({ ...draft, ...change });
    setMessage(null);
  }

  async function save(e: FormEvent): Promise<void> {
    e.preventDefault();
    const patch = patchFrom(props.settings, draft);
    if (Object.keys(patch).length === 0) return setMessage({ kind: 'ok', text: 'Nothing changed.' });
    setBusy(true);
    const result = await updateSettings(patch, false);
    setBusy(false);
    setMessage(result.ok ? { kind: 'ok', text: 'Saved.' } : { kind: 'error', text: result.error.message });
  }

  const fieldsOf = (group: SettingsGroup) =>
    NUMERIC_FIELDS.filter((f) => f.group === group).map((f) => (
      <NumberField
        key={f.id}
        field={f}
        value={draft[f.id]}
        refused={message?.kind === 'error' && refusedFields.has(f.id) ? refusalFor(f, message.text) : null}
        onChange={(value) => edit({ [f.id]: value })}
      />
    ));

  return (
    <form className="settings-form" onSubmit={save}>
      {SETTINGS_GROUPS.map((g) => (
        <fieldset key={g.id} className={`settings-group settings-group-${g.id}`}>
          <legend>{g.legend}</legend>
          {g.id === 'deadMan' && (
            <label className="setting-check">
              <input type="checkbox" checked={draft.deadManEnabled} onChange={(e) => edit({ deadManEnabled: e.target.checked })} />
              On: in autonomous mode, stop new entries (Reducing) and alert when the feeds go quiet
            </label>
          )}
          {fieldsOf(g.id)}
          {g.id === 'strategy' && (
            <div className="setting-field setting-wide">
              <label htmlFor="setting-symbols">Symbols traded</label>
              <input id="setting-symbols" value={draft.symbols} onChange={(e) => edit({ symbols: e.target.value })} />
              <span className="setting-range">comma-separated, e.g. AAPL, MSFT</span>
            </div>
          )}
        </fieldset>
      ))}
      <div className="settings-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            setDraft(draftOf(props.settings));
            setMessage(null);
          }}
        >
          Revert
        </button>
        {message && (
          <p
            className={message.kind === 'error' ? 'inline-error' : 'inline-ok'}
            role={message.kind === 'error' ? 'alert' : undefined}
            data-testid="settings-message"
          >
            {message.kind === 'error' ? `Not saved: ${message.text}` : message.text}
          </p>
        )}
      </div>
    </form>
  );
}

export function SettingsPanel() {
  const settings = useSettingsStore((s) => s.settings);
  // held here, not in the form: a saved change remounts the form, and "Saved." must survive that
  const [message, setMessage] = useState<Message | null>(null);
  return (
    <section className="panel settings-panel" aria-label="Settings">
      <div className="panel-head">
        <h2>Settings</h2>
      </div>
      {settings ? (
        // a fresh form whenever the engine's settings change, so it never shows stale values
        // (the flatten toggle lives in the header and does not reset a half-typed form)
        <SettingsForm key={JSON.stringify([settings.risk, settings.strategy, settings.approvalTimeoutSec, settings.deadMan])}
          settings={settings}
          message={message}
          setMessage={setMessage}
        />
      ) : (
        <p className="empty">Waiting for the engine…</p>
      )}
    </section>
  );
}
