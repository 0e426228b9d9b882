// The bar on top of every screen: which account, how it stands, whether we are connected, the
// trading state (who set it, when and why in its tooltip), the mode, the alerts, and the
// emergency stop with its "+ flatten" twin.
import { useState } from 'react';
import type { BrokerEnvironment } from '../../engine/domain/types';
import { engageEmergencyStop, setMode, updateSettings } from '../actions';
import { assertNever } from '../assertNever';
import { money, pnlClass, signedMoney } from '../format';
import { dayPnl, useAccountStore } from '../store/account';
import { useConnectionStore } from '../store/connection';
import { tradingStateLabel, tradingStateTitle, useKillSwitchStore } from '../store/killswitch';
import { useSettingsStore } from '../store/settings';
import { useSupervisorStore } from '../store/supervisor';
import { AlertsIndicator } from './Alerts';
import { ConnectionStatusView } from './ConnectionStatusView';

function environmentLabel(env: BrokerEnvironment): string {
  switch (env) {
    case 'simulated':
      return 'SIMULATED';
    case 'paper':
      return 'PAPER';
    case 'live':
      return 'LIVE';
    default:
      return assertNever(env);
  }
}

function AccountBadge() {
  const broker = useAccountStore((s) => s.broker);
  if (!broker) return <span className="badge badge-unknown">ACCOUNT…</span>;
  return (
    <span className={`badge badge-${broker.environment}`} title={`${broker.kind} broker: ${broker.message}`}>
      {environmentLabel(broker.environment)}
    </span>
  );
}

function AccountFigures() {
  const account = useAccountStore((s) => s.account);
  const pnl = account ? dayPnl(account) : null;
  return (
    <div className="figures">
      <Figure label="Equity" value={money(account?.equity)} testId="equity" />
      <Figure label="Cash" value={money(account?.cash)} testId="cash" />
      <Figure label="Day P&L" value={signedMoney(pnl)} className={pnlClass(pnl)} testId="day-pnl" />
    </div>
  );
}

function Figure(props: { label: string; value: string; className?: string; testId: string }) {
  return (
    <div className="figure">
      <span className="figure-label">{props.label}</span>
      <span className={`figure-value ${props.className ?? ''}`} data-testid={props.testId}>
        {props.value}
      </span>
    </div>
  );
}

function BrokerStatusView() {
  const broker = useAccountStore((s) => s.broker);
  if (!broker) return null;
  return (
    <div className="status-chip" title={broker.message}>
      <span className={`dot ${broker.connected ? 'dot-ok' : 'dot-bad'}`} />
      <span>Broker {broker.connected ? 'connected' : 'disconnected'}</span>
    </div>
  );
}

function TradingStateView() {
  const record = useKillSwitchStore((s) => s.tradingState);
  if (!record) return <div className="state-chip state-unknown">…</div>;
  const title = tradingStateTitle(record);
  return (
    <div className={`state-chip state-${record.state}`} title={title} data-testid="trading-state-chip">
      <span className="state-caption">Trading</span>
      <span data-testid="trading-state" title={title}>
        {tradingStateLabel(record.state)}
      </span>
    </div>
  );
}

function ModeSwitch() {
  const mode = useSupervisorStore((s) => s.mode);
  const [busy, setBusy] = useState(false);
  const autonomous = mode === 'autonomous';
  return (
    <button
      type="button"
      role="switch"
      aria-checked={autonomous}
      aria-label="Autonomous mode"
      className={`mode-switch ${autonomous ? 'mode-autonomous' : 'mode-manual'}`}
      disabled={mode === null || busy}
      title={autonomous ? 'Trades go straight to the broker. Click for manual approval.' : 'Every trade waits for your approval. Click to trade autonomously.'}
      onClick={async () => {
        setBusy(true);
        await setMode(autonomous ? 'manual' : 'autonomous');
        setBusy(false);
      }}
    >
      <span className="mode-knob" aria-hidden="true" />
      <span data-testid="mode-switch">{mode === null ? '…' : autonomous ? 'Autonomous' : 'Manual'}</span>
    </button>
  );
}

function FlattenToggle() {
  const flatten = useSettingsStore((s) => s.settings?.flattenOnStop);
  const [busy, setBusy] = useState(false);
  return (
    <label className="flatten-toggle" title="When on, the emergency stop also closes every position">
      <input
        type="checkbox"
        checked={flatten ?? false}
        disabled={flatten === undefined || busy}
        onChange={async (e) => {
          setBusy(true);
          await updateSettings({ flattenOnStop: e.target.checked }, true);
          setBusy(false);
        }}
      />
      Flatten on stop
    </label>
  );
}

function EmergencyStopButton() {
  const [pressing, setPressing] = useState(false);
  const mac = navigator.platform.toLowerCase().includes('mac');
  const chord = mac ? '⌘⇧K' : 'Ctrl+Shift+K';
  return (
    <button
      type="button"
      className="emergency-stop"
      aria-label={`Emergency stop (${chord})`}
      title={`Halt trading and cancel every open order (and close positions when "Flatten on stop" is on). ${chord}`}
      onClick={async () => {
        setPressing(true);
        await engageEmergencyStop('ui');
        setPressing(false);
      }}
    >
      <span className="emergency-stop-text">{pressing ? 'Stopping…' : 'Emergency stop'}</span>
      <span className="emergency-stop-chord">{chord}</span>
    </button>
  );
}

/** Always flattens, whatever the "Flatten on stop" setting says: one press, no dialog. */
function EmergencyStopFlattenButton() {
  const [pressing, setPressing] = useState(false);
  return (
    <button
      type="button"
      className="emergency-stop-flatten"
      aria-label="Emergency stop + flatten"
      title="Halt trading, cancel every open order and close every position"
      onClick={async () => {
        setPressing(true);
        await engageEmergencyStop('ui', true);
        setPressing(false);
      }}
    >
      {pressing ? 'Stopping…' : 'Stop + flatten'}
    </button>
  );
}

export function Header() {
  const synced = useConnectionStore((s) => s.synced);
  return (
    <header className="app-header">
      <div className="header-group">
        <span className="app-name">Trading Supervisor</span>
        <AccountBadge />
        <AccountFigures />
      </div>
      <div className="header-group header-status">
        <ConnectionStatusView />
        {synced && <BrokerStatusView />}
        <TradingStateView />
        <ModeSwitch />
        <AlertsIndicator />
      </div>
      <div className="header-group header-stop">
        <div className="flatten-cluster">
          <FlattenToggle />
          <EmergencyStopFlattenButton />
        </div>
        <EmergencyStopButton />
      </div>
    </header>
  );
}
