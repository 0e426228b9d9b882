// Domain types shared by the engine, the store and (as plain data) the renderer.
// Times are milliseconds since the Unix epoch (UTC). Quantities are positive; direction is
// carried by `side` on orders and fills, and by the sign of `qty` on positions.

export type Side = 'buy' | 'sell';
export type AssetClass = 'us_equity' | 'crypto';

export interface Instrument {
  symbol: string;
  name: string;
  assetClass: AssetClass;
  /** smallest price step (0.01 for stocks) */
  priceIncrement: number;
  /** smallest quantity step (1 for whole shares, 1e-6 for crypto) */
  qtyIncrement: number;
  /** smallest order notional in dollars (crypto: 10) */
  minNotional: number;
  fractionable: boolean;
  shortable: boolean;
}

/** One OHLCV bar; `t` is the bar's open time. */
export interface Bar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export type Timeframe = '1Min' | '5Min' | '15Min' | '1Hour' | '1Day';

export const TIMEFRAME_MS: Record<Timeframe, number> = {
  '1Min': 60_000,
  '5Min': 300_000,
  '15Min': 900_000,
  '1Hour': 3_600_000,
  '1Day': 86_400_000,
};

export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit';
export type TimeInForce = 'day' | 'gtc' | 'ioc';

/**
 * Lifecycle of an order in our journal.
 * pending_submit: journaled, not yet acknowledged by the broker (it may or may not have arrived).
 * unsent: journaled but proven never to have reached the broker (found absent after a restart).
 */
export type OrderStatus =
  | 'pending_submit'
  | 'accepted'
  | 'partially_filled'
  | 'filled'
  | 'pending_cancel'
  | 'canceled'
  | 'rejected'
  | 'expired'
  | 'unsent';

export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = [
  'pending_submit',
  'accepted',
  'partially_filled',
  'pending_cancel',
];

export function isOpenStatus(s: OrderStatus): boolean {
  return OPEN_ORDER_STATUSES.includes(s);
}

/** external: an order we did not place (found at the broker, or the broker's own close-out) */
export const ORDER_ORIGINS = ['strategy', 'manual', 'killswitch', 'external'] as const;
export type OrderOrigin = (typeof ORDER_ORIGINS)[number];

/** Exit levels sent with an entry: the broker holds a stop-loss and a take-profit for it (one cancels the other). */
export interface BracketLevels {
  stopLoss: number;
  takeProfit: number;
}

export interface OrderRecord {
  /** deterministic id derived from the intent; the broker sees it and we look orders up by it */
  clientOrderId: string;
  brokerOrderId: string | null;
  symbol: string;
  side: Side;
  type: OrderType;
  qty: number;
  limitPrice: number | null;
  stopPrice: number | null;
  tif: TimeInForce;
  status: OrderStatus;
  filledQty: number;
  avgFillPrice: number | null;
  origin: OrderOrigin;
  strategyId: string | null;
  /** why the order exists, in words (signal reason, "manual ticket", "emergency stop flatten") */
  reason: string;
  /** why it ended as it did, when rejected/canceled/unsent */
  statusReason: string | null;
  createdAt: number;
  updatedAt: number;
  /**
   * Bracket exits sent with this entry. Kept in memory only: the journal needs no column,
   * because an order is sent exactly once, from the intent, and never resent after a restart.
   */
  bracket?: BracketLevels | null;
}

export interface Fill {
  /** broker-assigned id of this execution; applying the same id twice is a no-op */
  fillId: string;
  clientOrderId: string;
  symbol: string;
  side: Side;
  qty: number;
  price: number;
  commission: number;
  time: number;
}

export interface Position {
  symbol: string;
  /** signed: positive long, negative short */
  qty: number;
  avgEntryPrice: number;
  realizedPnl: number;
  updatedAt: number;
}

export interface AccountState {
  cash: number;
  equity: number;
  buyingPower: number;
  /** equity at the start of the current trading day (for day P&L and daily-loss rules) */
  dayStartEquity: number;
  peakEquity: number;
  updatedAt: number;
}

export interface EquityPoint {
  t: number;
  equity: number;
  cash: number;
}

export type TradingState = 'active' | 'reducing' | 'halted';
export type StateSetter = 'user' | 'killswitch' | 'breaker' | 'cli' | 'system';

export interface TradingStateRecord {
  state: TradingState;
  setBy: StateSetter;
  reason: string;
  at: number;
  /** true while the emergency stop is latched: only an explicit re-arm with a reason clears it */
  latched: boolean;
}

export type SupervisorMode = 'manual' | 'autonomous';

/** A proposed order before it becomes an order: what the strategy wants, already sized. */
export interface OrderIntent {
  /** stable key of the decision (strategy, symbol, side, bar); equal keys never make two orders */
  intentKey: string;
  symbol: string;
  side: Side;
  type: OrderType;
  qty: number;
  limitPrice: number | null;
  origin: OrderOrigin;
  strategyId: string | null;
  reason: string;
  /** price the decision was made at (last close); approval re-checks drift against it */
  refPrice: number;
  barTime: number | null;
  /** stocks only: exits the broker holds for this entry (Alpaca offers no bracket for crypto) */
  bracket?: BracketLevels | null;
}

export interface RiskCheckResult {
  rule: string;
  passed: boolean;
  value: number;
  limit: number;
  message: string;
}

export interface SizingExplanation {
  method: string;
  equity: number;
  price: number;
  rawQty: number;
  qty: number;
  /** the arithmetic in words, e.g. "risk 1.0% of $100,000.00 = $1,000.00; / stop distance $2.46 = 406.5 -> 406 shares" */
  text: string;
  /** protective levels from the ATR, when the sizing used them */
  stopPrice?: number;
  targetPrice?: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

export interface Approval {
  id: string;
  intent: OrderIntent;
  status: ApprovalStatus;
  sizing: SizingExplanation;
  checks: RiskCheckResult[];
  /** indicator values behind the signal, by name */
  indicators: Record<string, number>;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
  decisionReason: string | null;
}

export type AuditKind =
  | 'signal'
  | 'risk_denied'
  | 'approval_created'
  | 'approval_approved'
  | 'approval_rejected'
  | 'approval_expired'
  | 'order_submitted'
  | 'order_updated'
  | 'fill'
  | 'mode_changed'
  | 'state_changed'
  | 'killswitch'
  | 'settings_changed'
  | 'recovery'
  | 'data_quarantined'
  | 'alert'
  | 'error';

export interface AuditEntry {
  id: number;
  at: number;
  kind: AuditKind;
  message: string;
  data: unknown;
}

export type StopStepName = 'halt' | 'cancel_orders' | 'flatten' | 'confirm';
export type StopStepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface StopStep {
  name: StopStepName;
  status: StopStepStatus;
  startedAt: number | null;
  endedAt: number | null;
  attempts: number;
  detail: string;
}

export interface StopReport {
  id: string;
  source: 'ui' | 'shortcut' | 'tray' | 'cli' | 'breaker' | 'drill';
  flatten: boolean;
  requestedAt: number;
  status: 'running' | 'confirmed' | 'failed' | 'noop';
  steps: StopStep[];
  openOrdersRemaining: number | null;
  positionsRemaining: number | null;
  finishedAt: number | null;
}

export interface RiskSettings {
  /** fraction of equity risked per trade, sized from the stop distance (hard cap 2%) */
  riskPerTradePct: number;
  /** stop distance = ATR(14) x this */
  stopAtrMultiple: number;
  /** profit target distance = ATR(14) x this */
  targetAtrMultiple: number;
  /** max notional of one position as a fraction of equity */
  maxPositionNotionalPct: number;
  maxOpenPositions: number;
  /** max gross exposure (sum of |position notional|) as a fraction of equity */
  maxGrossExposurePct: number;
  /** daily loss: alert at this fraction of the day's starting equity */
  dailyLossAlertPct: number;
  /** daily loss: new entries stop (trading goes to `reducing`) at this fraction */
  dailyLossReducePct: number;
  /** drawdown from the equity peak: alert */
  drawdownAlertPct: number;
  /** drawdown from the equity peak: emergency stop (`halted`) */
  drawdownHaltPct: number;
  /** no new entries on a symbol whose ATR% exceeds this multiple of its 100-bar median */
  volatilityBreakerMultiple: number;
  /** no new entries on a symbol whose last bar is older than this many bar intervals */
  staleDataBars: number;
  /** no new position whose 60-bar return correlation with an open one exceeds this */
  maxCorrelation: number;
  /** in live trading, total exposure is capped at this fraction of equity until raised */
  liveExposureCapPct: number;
}

/** Dead-man switch: in autonomous mode, go to `reducing` and alert when the feeds go quiet. */
export interface DeadManSettings {
  enabled: boolean;
  /** market data silent for longer than this */
  dataStaleSec: number;
  /** broker disconnected for longer than this */
  brokerLostSec: number;
}

export interface StrategySettings {
  id: 'sma-cross';
  fast: number;
  slow: number;
  /** symbols the strategy trades */
  symbols: string[];
}

/** What the lab evidence must show for the readiness checklist (issue 5). */
export interface ReadinessThresholds {
  minSharpe: number;
  maxDrawdown: number;
  minWinRate: number;
  maxWinRate: number;
  minTrades: number;
  minPositiveWindowShare: number;
  /** paper trading must span at least this many trading days (UTC dates with equity points) */
  minPaperDays: number;
  /** paper return within this many percentage points of the backtest over the same period */
  maxPaperDeviationPp: number;
}

export interface Settings {
  risk: RiskSettings;
  readiness: ReadinessThresholds;
  strategy: StrategySettings;
  approvalTimeoutSec: number;
  /** the emergency stop also closes every position */
  flattenOnStop: boolean;
  deadMan: DeadManSettings;
}

export type ReadinessStatus = 'pass' | 'warn' | 'fail';

export interface ReadinessItem {
  id: string;
  label: string;
  status: ReadinessStatus;
  evidence: string;
  fix: string;
}

export type BrokerKind = 'sim' | 'alpaca';
export type BrokerEnvironment = 'simulated' | 'paper' | 'live';

export interface BrokerStatus {
  kind: BrokerKind;
  environment: BrokerEnvironment;
  connected: boolean;
  message: string;
}

/** A position as shown: the stored position plus what the latest price makes of it. */
export interface PositionView extends Position {
  lastPrice: number | null;
  marketValue: number | null;
  unrealizedPnl: number | null;
  /** the exits protecting it: bracket legs at the broker, or levels the engine watches itself (crypto) */
  protection?: PositionProtection;
}

export interface PositionProtection {
  stop: number;
  target: number;
  kind: 'bracket' | 'local-watchdog';
}

/** A live bar that failed validation: kept out of every decision, shown with its reason. */
export interface QuarantineRecord {
  symbol: string;
  /** when it arrived (wall clock) */
  at: number;
  /** the bar's own time, as the feed gave it */
  barTime: number;
  code: string;
  reason: string;
}

export type AlertLevel = 'info' | 'warning' | 'critical';
export type AlertKind =
  | 'breaker_tripped'
  | 'stop_failed'
  | 'order_rejected'
  | 'data_stale'
  | 'broker_lost'
  | 'reconciliation'
  | 'daily_loss'
  | 'drawdown'
  | 'unclean_shutdown'
  | 'data_quarantined'
  | 'storage_failed';

export interface Alert {
  /** the audit record that holds it */
  id: number;
  at: number;
  level: AlertLevel;
  kind: AlertKind;
  message: string;
}

export type ReconciliationAction = 'adopt' | 'ignore' | 'close';

/** A difference between our journal and the broker that a person must decide on. */
export interface ReconciliationItem {
  /** stable while the difference lasts: `position:AAPL`, `order:<client order id>` */
  id: string;
  kind: 'position' | 'order';
  symbol: string;
  description: string;
  journalQty: number;
  brokerQty: number;
  brokerAvgPrice: number | null;
  /** for kind 'order': the broker's order */
  brokerOrder: { clientOrderId: string; side: Side; qty: number; type: OrderType; limitPrice: number | null } | null;
  foundAt: number;
  resolution: { action: ReconciliationAction; at: number; detail: string } | null;
}
