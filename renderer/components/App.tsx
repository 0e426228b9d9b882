// The window: header and halt banner on every screen, then one of four screens.
import { useState } from 'react';
import { assertNever } from '../assertNever';
import { useGlobalShortcuts } from '../hooks/useGlobalShortcuts';
import { useKillSwitchStore } from '../store/killswitch';
import { pendingApprovals, useApprovalsStore } from '../store/approvals';
import { overallReadiness, useReadinessStore } from '../store/readiness';
import { ApprovalQueue } from './ApprovalQueue';
import { AuditLog } from './AuditLog';
import { ConnectionBanner } from './ConnectionBanner';
import { HaltBanner } from './HaltBanner';
import { Header } from './Header';
import { OrderTicket } from './OrderTicket';
import { OpenOrdersTable, RecentOrdersTable } from './OrdersTable';
import { PositionsTable } from './PositionsTable';
import { PriceChart } from './PriceChart';
import { ReadinessPanel } from './ReadinessPanel';
import { SettingsPanel } from './SettingsPanel';
import { StopReportView } from './StopReportView';
import { Toasts } from './Toasts';

type Screen = 'trade' | 'activity' | 'safety' | 'settings';

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'trade', label: 'Trade' },
  { id: 'activity', label: 'Orders & audit' },
  { id: 'safety', label: 'Readiness & safety' },
  { id: 'settings', label: 'Settings' },
];

function TabBadge(props: { screen: Screen }) {
  const pending = useApprovalsStore((s) => pendingApprovals(s.approvals).length);
  const readiness = useReadinessStore((s) => overallReadiness(s.items));
  if (props.screen === 'trade' && pending > 0) return <span className="tab-badge">{pending}</span>;
  if (props.screen === 'safety' && readiness && readiness !== 'pass') return <span className={`tab-badge rs-${readiness}`}>{readiness}</span>;
  return null;
}

function TradeScreen() {
  return (
    <div className="screen trade-screen">
      <div className="trade-main">
        <PriceChart />
        <div className="trade-tables">
          <PositionsTable />
          <OpenOrdersTable compact />
        </div>
      </div>
      <aside className="trade-side">
        <ApprovalQueue />
        <OrderTicket />
      </aside>
    </div>
  );
}

function ActivityScreen() {
  return (
    <div className="screen activity-screen">
      <OpenOrdersTable />
      <RecentOrdersTable />
      <AuditLog />
    </div>
  );
}

function SafetyScreen() {
  const lastStop = useKillSwitchStore((s) => s.lastStop);
  return (
    <div className="screen safety-screen">
      <ReadinessPanel />
      <section className="panel" aria-label="Last emergency stop">
        <div className="panel-head">
          <h2>Last emergency stop</h2>
        </div>
        {lastStop ? <StopReportView report={lastStop} /> : <p className="empty">The emergency stop has not been used.</p>}
      </section>
    </div>
  );
}

function ScreenView(props: { screen: Screen }) {
  switch (props.screen) {
    case 'trade':
      return <TradeScreen />;
    case 'activity':
      return <ActivityScreen />;
    case 'safety':
      return <SafetyScreen />;
    case 'settings':
      return (
        <div className="screen settings-screen">
          <SettingsPanel />
        </div>
      );
    default:
      return assertNever(props.screen);
  }
}

export function App() {
  const [screen, setScreen] = useState<Screen>('trade');
  useGlobalShortcuts();
  return (
    <div className="app">
      <Header />
      <ConnectionBanner />
      <HaltBanner />
      <nav className="tabs" aria-label="Screens">
        {SCREENS.map((s) => (
          <button
            key={s.id}
            type="button"
            className={`tab ${screen === s.id ? 'tab-on' : ''}`}
            aria-current={screen === s.id ? 'page' : undefined}
            onClick={() => setScreen(s.id)}
          >
            {s.label}
            <TabBadge screen={s.id} />
          </button>
        ))}
      </nav>
      <main className="screen-host">
        <ScreenView screen={screen} />
      </main>
      <Toasts />
    </div>
  );
}
