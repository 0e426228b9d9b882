// The window: header and halt banner on every screen, then one of the screens below.
import { useState } from 'react';
import { assertNever } from '../assertNever';
import { ConnectionSettingsScreen } from '../connection-settings/ConnectionSettingsScreen';
import { LiveBanner } from '../connection-settings/LiveBanner';
import { LabScreen } from '../lab/LabScreen';
import { useGlobalShortcuts } from '../hooks/useGlobalShortcuts';
import { pendingApprovals, useApprovalsStore } from '../store/approvals';
import { ReconciliationBanner } from '../reconciliation/ReconciliationBanner';
import { ReconciliationScreen } from '../reconciliation/ReconciliationScreen';
import { unresolvedItems, useReconciliationStore } from '../reconciliation/store';
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
import { SafetyScreen } from './SafetyScreen';
import { SettingsPanel } from './SettingsPanel';
import { Toasts } from './Toasts';

type Screen = 'trade' | 'activity' | 'lab' | 'reconcile' | 'safety' | 'settings' | 'connection';

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'trade', label: 'Trade' },
  { id: 'activity', label: 'Orders & audit' },
  { id: 'lab', label: 'Lab' },
  { id: 'reconcile', label: 'Reconciliation' },
  { id: 'safety', label: 'Readiness & safety' },
  { id: 'settings', label: 'Settings' },
  { id: 'connection', label: 'Connection' },
];

function TabBadge(props: { screen: Screen }) {
  const pending = useApprovalsStore((s) => pendingApprovals(s.approvals).length);
  const readiness = useReadinessStore((s) => overallReadiness(s.items));
  const differences = useReconciliationStore((s) => unresolvedItems(s.items).length);
  if (props.screen === 'trade' && pending > 0) return <span className="tab-badge">{pending}</span>;
  if (props.screen === 'reconcile' && differences > 0) return <span className="tab-badge">{differences}</span>;
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

function ScreenView(props: { screen: Screen }) {
  switch (props.screen) {
    case 'trade':
      return <TradeScreen />;
    case 'activity':
      return <ActivityScreen />;
    case 'lab':
      return <LabScreen />;
    case 'reconcile':
      return <ReconciliationScreen />;
    case 'connection':
      return <ConnectionSettingsScreen />;
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
      <LiveBanner />
      <ConnectionBanner />
      <HaltBanner />
      <ReconciliationBanner onOpen={() => setScreen('reconcile')} />
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
