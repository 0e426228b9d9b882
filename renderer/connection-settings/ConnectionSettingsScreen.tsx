// Connection settings: the Alpaca keys of each environment (masked once saved; the secret is never
// shown or sent back), a connection test with a readable outcome, and the paper/live switch, which
// for live needs the confirmation sentence typed in full. Everything here applies at the next start.
import { useEffect, useState, type FormEvent } from 'react';
import type { AlpacaEnvironment, BrokerConnectionSettings, ConnectionTestResult } from '../../engine/api/broker';
import { useConnectionStore } from '../store/connection';
import { clearKeys, loadConnectionSettings, saveKeys, switchEnvironment, testConnection } from './actions';
import './connection.css';

const LABEL: Record<AlpacaEnvironment, string> = { paper: 'Paper', live: 'Live' };

function TestResultView(props: { result: ConnectionTestResult }) {
  const r = props.result;
  return (
    <p className={`conn-test ${r.ok ? 'conn-test-ok' : 'conn-test-bad'}`} role="status" data-testid="connection-test-result" data-outcome={r.outcome}>
      {r.ok ? 'OK: ' : 'Failed: '}
      {r.message} <span className="muted">({r.endpoint}, {r.latencyMs} ms)</span>
    </p>
  );
}

function KeysCard(props: { environment: AlpacaEnvironment; settings: BrokerConnectionSettings; onSettings: (s: BrokerConnectionSettings) => void }) {
  const { environment, settings } = props;
  const status = settings.keys[environment];
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [test, setTest] = useState<ConnectionTestResult | null>(null);
  const typed = keyId.trim() !== '' && secret.trim() !== '';

  async function save(e: FormEvent): Promise<void> {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await saveKeys({ environment, keyId: keyId.trim(), secret: secret.trim() });
    setBusy(false);
    if (!r.ok) {
      setError(r.error.message);
      return;
    }
    // the secret leaves this page's memory once saved
    setKeyId('');
    setSecret('');
    setTest(null);
    props.onSettings(r.value);
  }

  async function runTest(): Promise<void> {
    setBusy(true);
    setError(null);
    setTest(null);
    const r = await testConnection(typed ? { environment, keyId: keyId.trim(), secret: secret.trim() } : { environment });
    setBusy(false);
    if (r.ok) setTest(r.value);
    else setError(r.error.message);
  }

  async function clear(): Promise<void> {
    setBusy(true);
    setError(null);
    const r = await clearKeys({ environment });
    setBusy(false);
    if (r.ok) props.onSettings(r.value);
    else setError(r.error.message);
  }

  return (
    <section className={`panel conn-card conn-${environment}`} aria-label={`${LABEL[environment]} keys`} data-testid={`keys-${environment}`}>
      <div className="panel-head">
        <h2>{LABEL[environment]} keys</h2>
        <span className="conn-key-status" data-testid={`keys-${environment}-status`}>
          {status.set ? `${status.maskedKeyId ?? 'set'} (${status.source === 'environment' ? 'from the environment' : 'saved'})` : 'not set'}
        </span>
      </div>
      <form className="conn-form" onSubmit={save} autoComplete="off">
        <label>
          Key ID
          <input value={keyId} spellCheck={false} autoComplete="off" placeholder={environment === 'paper' ? 'PK…' : 'AK…'} onChange={(e) => setKeyId(e.target.value)} />
        </label>
        <label>
          Secret key
          <input type="password" value={secret} spellCheck={false} autoComplete="new-password" onChange={(e) => setSecret(e.target.value)} />
        </label>
        <div className="conn-buttons">
          <button type="submit" className="btn btn-primary" disabled={busy || !typed || !settings.canSaveKeys}>
            Save {LABEL[environment].toLowerCase()} keys
          </button>
          <button type="button" className="btn" disabled={busy || (!typed && !status.set)} onClick={() => void runTest()}>
            {busy ? 'Working…' : 'Test connection'}
          </button>
          <button type="button" className="btn" disabled={busy || status.source !== 'saved'} onClick={() => void clear()}>
            Forget saved keys
          </button>
        </div>
        <p className="muted conn-hint">{typed ? 'Test connection tries the keys typed above, without saving them.' : 'Test connection tries the keys the next start would use.'}</p>
      </form>
      {error && (
        <p className="conn-error" role="alert">
          {error}
        </p>
      )}
      {test && <TestResultView result={test} />}
    </section>
  );
}

function EnvironmentSwitch(props: { settings: BrokerConnectionSettings; onSettings: (s: BrokerConnectionSettings) => void }) {
  const { settings } = props;
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const next = settings.nextEnvironment;
  const confirmed = confirm === settings.liveConfirmation;

  async function go(environment: AlpacaEnvironment): Promise<void> {
    setBusy(true);
    setError(null);
    const r = await switchEnvironment(environment === 'live' ? { environment, confirm } : { environment });
    setBusy(false);
    if (!r.ok) {
      setError(r.error.message);
      return;
    }
    setConfirm('');
    props.onSettings(r.value);
  }

  return (
    <section className="panel conn-switch" aria-label="Paper or live">
      <div className="panel-head">
        <h2>Account to trade</h2>
        <span className={`badge badge-${next}`} data-testid="next-environment">
          {next === 'live' ? 'LIVE' : 'PAPER'}
        </span>
        <span className="muted">at the next start{settings.environmentSource === 'environment' ? ' (set by ALPACA_PAPER in the environment)' : ''}</span>
      </div>
      {next === 'paper' ? (
        <div className="conn-live-confirm">
          <p>
            Live trading sends orders to your real Alpaca account. To switch, type <q>{settings.liveConfirmation}</q> below.
          </p>
          <input aria-label="Live trading confirmation" value={confirm} spellCheck={false} placeholder={settings.liveConfirmation} onChange={(e) => setConfirm(e.target.value)} />
          <button type="button" className="btn btn-reject" disabled={busy || !confirmed} onClick={() => void go('live')}>
            Switch to live trading
          </button>
        </div>
      ) : (
        <div className="conn-live-confirm">
          <p className="conn-live-warning">The next start trades with real money.</p>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void go('paper')}>
            Switch back to paper
          </button>
        </div>
      )}
      {error && (
        <p className="conn-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function ConnectionSettingsScreen() {
  const connected = useConnectionStore((s) => s.connection.status === 'connected');
  const [settings, setSettings] = useState<BrokerConnectionSettings | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!connected) return;
    let live = true;
    void loadConnectionSettings().then((r) => {
      if (!live) return;
      if (r.ok) {
        setSettings(r.value);
        setError(null);
      } else setError(r.error.message);
    });
    return () => {
      live = false;
    };
  }, [connected]);

  if (error) {
    return (
      <div className="screen connection-screen">
        <p className="conn-error" role="alert">
          Could not read the connection settings: {error}
        </p>
      </div>
    );
  }
  if (!settings) return <div className="screen connection-screen muted">Loading the connection settings…</div>;
  const { active } = settings;
  return (
    <div className="screen connection-screen">
      <section className="panel conn-summary" aria-label="Connection">
        <div className="panel-head">
          <h2>Connection</h2>
          <span data-testid="active-connection">
            This session: {active.broker === 'sim' ? 'the built-in simulator' : `Alpaca ${active.environment === 'live' ? 'LIVE' : 'paper'}`}
          </span>
        </div>
        <div className="conn-body">
          <p className={settings.restartNeeded ? 'conn-restart' : 'muted'} data-testid="applies-at">
            {settings.restartNeeded ? 'Changes saved: restart the app for them to take effect. ' : ''}
            {settings.appliesAt}
          </p>
          <p className="muted">Where saved keys go: {settings.keyStorage}. Keys are never shown again, never logged and never stored in the database.</p>
          <dl className="conn-endpoints">
            <dt>Trading</dt>
            <dd>{settings.endpoints.trading}</dd>
            <dt>Market data</dt>
            <dd>{settings.endpoints.marketData}</dd>
            <dt>Trade updates</dt>
            <dd>{settings.endpoints.tradeStream}</dd>
            <dt>Live bars</dt>
            <dd>{settings.endpoints.dataStream}</dd>
          </dl>
          {settings.envOverrides.length > 0 && <p className="muted">Set by the environment (these win over saved settings): {settings.envOverrides.join(', ')}</p>}
        </div>
      </section>
      <EnvironmentSwitch settings={settings} onSettings={setSettings} />
      <div className="conn-cards">
        <KeysCard environment="paper" settings={settings} onSettings={setSettings} />
        <KeysCard environment="live" settings={settings} onSettings={setSettings} />
      </div>
    </div>
  );
}
