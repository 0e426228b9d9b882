// Ports: everything the engine needs from the outside world. Adapters implement them
// (db/ implements Store and SimLedger; engine/sim implements Broker and MarketData for the
// built-in simulator; the Alpaca adapter implements Broker and MarketData for Alpaca).
import type {
  AccountState,
  Approval,
  AuditEntry,
  AuditKind,
  Bar,
  BracketLevels,
  BrokerStatus,
  EquityPoint,
  Fill,
  Instrument,
  OrderRecord,
  OrderStatus,
  OrderType,
  Position,
  Settings,
  Side,
  StopReport,
  Timeframe,
  TimeInForce,
  TradingStateRecord,
} from './domain/types';
import type { BarColumns } from './backtest/columns';
import type { LabEvidence, PaperRecord } from './readiness/evidence';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

// ---------- Broker ----------

export interface BrokerOrderRequest {
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  qty: number;
  limitPrice: number | null;
  stopPrice: number | null;
  tif: TimeInForce;
  /** entry with exits held at the broker (stocks); the legs come back as orders of their own */
  bracket?: BracketLevels | null;
}

/** The broker's view of one order. */
export interface BrokerOrder {
  brokerOrderId: string;
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  qty: number;
  limitPrice: number | null;
  status: OrderStatus;
  filledQty: number;
  avgFillPrice: number | null;
  /** total commission charged on the order's executions so far, when the broker reports it (the simulator does) */
  commission?: number;
  /**
   * A bracket entry's exit legs, when the broker reports them nested in the entry (Alpaca does;
   * the legs' own updates carry no reference back to the entry).
   */
  legs?: BrokerOrder[];
}

export interface BrokerPosition {
  symbol: string;
  qty: number;
  avgEntryPrice: number;
}

export interface BrokerAccount {
  cash: number;
  equity: number;
  buyingPower: number;
  /** the broker's word for the account (Alpaca: ACTIVE, ACCOUNT_UPDATED, ...), when it says */
  status?: string;
  /** the broker refuses new orders on this account */
  tradingBlocked?: boolean;
}

/** Pushed by the broker: order state changes and executions. */
export type BrokerEvent =
  | { type: 'order'; order: BrokerOrder; reason: string | null }
  | { type: 'fill'; fill: Fill; order: BrokerOrder }
  | { type: 'connection'; status: BrokerStatus };

/** Expected failures are values, not exceptions: the user reads `message`. */
export type BrokerResult<T> =
  | { ok: true; value: T }
  | { ok: false; kind: 'rejected' | 'not_found' | 'rate_limited' | 'network' | 'server'; message: string; retryAfterMs?: number };

export interface Broker {
  readonly status: BrokerStatus;
  submitOrder(req: BrokerOrderRequest): Promise<BrokerResult<BrokerOrder>>;
  cancelOrder(clientOrderId: string): Promise<BrokerResult<void>>;
  /** cancel every open order in one call where the broker supports it */
  cancelAllOrders(): Promise<BrokerResult<void>>;
  getOrderByClientId(clientOrderId: string): Promise<BrokerResult<BrokerOrder | null>>;
  listOpenOrders(): Promise<BrokerResult<BrokerOrder[]>>;
  /**
   * The `limit` most recently created orders, open or closed, newest first. Brokers whose
   * close-all picks its own order ids (Alpaca) offer it, so that a restart in the middle of a
   * flatten finds them.
   */
  listRecentOrders?(limit: number): Promise<BrokerResult<BrokerOrder[]>>;
  listPositions(): Promise<BrokerResult<BrokerPosition[]>>;
  getAccount(): Promise<BrokerResult<BrokerAccount>>;
  /** close every position with market orders */
  closeAllPositions(): Promise<BrokerResult<void>>;
  onEvent(listener: (e: BrokerEvent) => void): () => void;
  close(): Promise<void>;
}

// ---------- Market data ----------

export interface MarketData {
  readonly timeframe: Timeframe;
  instruments(): Instrument[];
  /** most recent `limit` completed bars, oldest first */
  history(symbol: string, limit: number): Bar[];
  lastPrice(symbol: string): number | null;
  /** live bars, delivered in batches (one call may carry many symbols) */
  onBars(listener: (batch: { symbol: string; bar: Bar }[]) => void): () => void;
  /** feeds with a connection of their own (Alpaca's streams) say when it goes and comes back */
  readonly status?: { connected: boolean; message: string };
  onStatus?(listener: (s: { connected: boolean; message: string }) => void): () => void;
  start(): void;
  stop(): void;
}

// ---------- Store ----------

export interface OrderPatch {
  status?: OrderStatus;
  brokerOrderId?: string | null;
  filledQty?: number;
  avgFillPrice?: number | null;
  statusReason?: string | null;
  updatedAt: number;
}

export interface AuditInput {
  at: number;
  kind: AuditKind;
  message: string;
  data?: unknown;
}

/** What startup needs to rebuild the engine's state before any strategy acts. */
export interface RestoredState {
  tradingState: TradingStateRecord | null;
  settings: Settings | null;
  positions: Position[];
  openOrders: OrderRecord[];
  pendingApprovals: Approval[];
  account: AccountState | null;
  lastStop: StopReport | null;
  /** fills journaled after the positions checkpoint (normally none); replayed at startup */
  fillsAfterCheckpoint: Fill[];
}

/**
 * Durable state. Every write method returns only after the data is committed
 * (synchronous=FULL for the order/fill journal), so "persist first, then publish/send" holds.
 * Methods are synchronous: better-sqlite3 is, and a sync write cannot interleave with
 * other engine work.
 */
export interface Store {
  restore(): RestoredState;

  saveTradingState(rec: TradingStateRecord): void;
  saveSettings(s: Settings): void;

  /** journal an order intent before sending it; 'duplicate' if its clientOrderId exists */
  insertOrder(order: OrderRecord): 'inserted' | 'duplicate';
  updateOrder(clientOrderId: string, patch: OrderPatch): void;
  /** several order updates in one transaction (the emergency stop's cancels) */
  updateOrders(updates: { clientOrderId: string; patch: OrderPatch }[]): void;
  getOrder(clientOrderId: string): OrderRecord | null;
  listOrders(scope: 'open' | 'all', limit: number): OrderRecord[];

  /**
   * Apply one execution atomically: journal the fill, set the order's filled qty/status,
   * write the resulting position and account. Returns false (and writes nothing) when
   * this fillId was already applied.
   */
  applyFill(args: {
    fill: Fill;
    order: OrderPatch & { clientOrderId: string };
    position: Position;
    account: AccountState;
  }): boolean;
  fillsForSymbol(symbol: string, limit: number): Fill[];
  countFills(): number;

  saveAccount(a: AccountState): void;
  appendEquity(p: EquityPoint): void;
  equityCurve(limit: number): EquityPoint[];

  saveApproval(a: Approval): void;

  appendAudit(e: AuditInput): AuditEntry;
  listAudit(limit: number, beforeId?: number): AuditEntry[];
  /** newest first */
  listAuditOfKind(kind: AuditKind, limit: number): AuditEntry[];

  /** the latest saved lab backtest and walk-forward of a strategy: evidence for the readiness checklist */
  latestLabEvidence(strategyId: string): LabEvidence;
  /** the paper-trading record: equity per UTC date, and the equity curve of the latest saved backtest of a strategy */
  paperRecord(strategyId: string): Omit<PaperRecord, 'source'>;

  /** small JSON values the engine keeps between runs (the session heartbeat, the latest drill) */
  setMeta(key: string, value: unknown): void;
  getMeta<T>(key: string): T | null;

  saveStopReport(r: StopReport): void;

  /** bar history, stored as binary chunks */
  saveBars(symbol: string, timeframe: Timeframe, bars: Bar[]): void;
  /** the same for bars held as columns (the engine's unsaved live bars), without an object per bar */
  saveBarColumns(symbol: string, timeframe: Timeframe, bars: BarColumns): void;
  loadBars(symbol: string, timeframe: Timeframe, fromT: number, toT: number): Bar[];

  /**
   * Run several writes as one transaction (one fsync): group commit for records that are
   * produced together, such as the audit records of one engine turn. Nested calls join it.
   */
  batch<T>(fn: () => T): T;

  /**
   * Optional: commit like batch, without waiting for the disk (for records nothing waits on,
   * such as bar history); `syncDeferred` resolves once every such commit before it is durable,
   * with the fsync off the calling thread. Any later synchronous write makes them durable too.
   */
  batchDeferred?<T>(fn: () => T): T;
  syncDeferred?(): Promise<void>;

  close(): void;
}
