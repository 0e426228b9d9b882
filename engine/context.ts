// The engine's shared state and services, handed to each part (OrderManager, ApprovalQueue,
// KillSwitch) so that there is one source of truth in memory, mirrored durably in the Store.
import type { EventName, EventTypes } from './api/contract';
import type {
  AccountState,
  AlertKind,
  AlertLevel,
  Approval,
  AuditKind,
  Instrument,
  OrderRecord,
  Position,
  QuarantineRecord,
  ReconciliationItem,
  Settings,
  StopReport,
  SupervisorMode,
  TradingStateRecord,
} from './domain/types';
import type { Broker, Clock, MarketData, Store } from './ports';

export interface EngineState {
  settings: Settings;
  tradingState: TradingStateRecord;
  mode: SupervisorMode;
  account: AccountState;
  positions: Map<string, Position>;
  /** open orders only, by clientOrderId */
  openOrders: Map<string, OrderRecord>;
  /** pending approvals only, by id */
  approvals: Map<string, Approval>;
  instruments: Map<string, Instrument>;
  lastStop: StopReport | null;
  lastDrill: StopReport | null;
  /** differences between the journal and the broker found by the last reconciliation */
  reconciliation: ReconciliationItem[];
  /** wall-clock time the last live bar arrived */
  lastBarAt: number | null;
  /** bars that failed validation and were quarantined (never traded on), newest first */
  dataQuarantine: { total: number; recent: QuarantineRecord[] };
  /** the broker's account status, as last read (null until read) */
  brokerAccount: { status: string | null; tradingBlocked: boolean; checkedAt: number } | null;
  /** how the broker keys are kept (told by the host; null: no keys needed, as on the simulator) */
  keyStorage: { encrypted: boolean; detail: string } | null;
  /** when recent orders were sent, oldest first (last minute only), for the order-rate rule */
  recentOrderTimes: number[];
}

export type LogFn = (level: 'info' | 'warn' | 'error', message: string, data?: unknown) => void;

export interface EngineContext {
  readonly store: Store;
  readonly broker: Broker;
  readonly market: MarketData;
  readonly clock: Clock;
  readonly state: EngineState;
  emit<E extends EventName>(name: E, payload: EventTypes[E]): void;
  /** durable audit record, then published */
  audit(kind: AuditKind, message: string, data?: unknown): void;
  /**
   * Group commit: queue a durable write for the end of this engine turn (one transaction, one
   * fsync for everything the turn wrote); `publish` runs only after the commit. The returned
   * promise resolves once committed, so a caller that must persist before acting (the order
   * journal before a send) awaits it.
   */
  write(fn: () => void, publish?: () => void): Promise<void>;
  /**
   * Commit the turn's queued writes now. A write that must not overtake them (a fill, written
   * at once for its idempotency answer) calls this first, so the journal keeps event order.
   */
  flushWrites(): void;
  /** raise an alert (audit record of kind 'alert', published; a desktop notification in the app) */
  alert(level: AlertLevel, kind: AlertKind, message: string): void;
  log: LogFn;
}
