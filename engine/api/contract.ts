// THE contract between the engine and every host/renderer: request channels with their
// input schemas and result types, and pushed events with their payload types.
// Both transports (Electron IPC and the headless WebSocket) validate every incoming payload
// with these schemas before the engine sees it.
import { z } from 'zod';
import type {
  AccountState,
  Alert,
  Approval,
  AuditEntry,
  Bar,
  BrokerStatus,
  EquityPoint,
  Fill,
  Instrument,
  OrderRecord,
  PositionView,
  ReadinessItem,
  ReconciliationItem,
  Settings,
  StopReport,
  SupervisorMode,
  Timeframe,
  TradingStateRecord,
} from '../domain/types';
import { brokerRequestSchemas, type BrokerResultTypes } from './broker';
import { LAB_EVENT_NAMES, labRequestSchemas, type LabEventTypes, type LabResultTypes } from './lab';

// ---------- errors ----------

export const ERROR_CODES = [
  'invalid_request',
  'unknown_channel',
  'not_found',
  'unknown_symbol',
  'conflict',
  'risk_denied',
  'halted',
  'unauthorized',
  'broker_error',
  'internal',
  /** the transport lost its link: whether the request was applied is unknown (look before retrying) */
  'disconnected',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiError {
  code: ErrorCode;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = (code: ErrorCode, message: string): { ok: false; error: ApiError } => ({
  ok: false,
  error: { code, message },
});

// ---------- shared field schemas ----------

/** Upper bound on any order quantity; beyond it a request is a typo, not an order. */
export const MAX_ORDER_QTY = 1_000_000;
export const MAX_PRICE = 10_000_000;
/** bars:watch takes at most this many symbols (a chart, a few mini-charts, a watch list) */
export const MAX_WATCHED_SYMBOLS = 64;

const symbol = z
  .string()
  .min(1)
  .max(15)
  .regex(/^[A-Z0-9][A-Z0-9./]*$/, 'symbol must be upper-case letters, digits, "." or "/" (e.g. AAPL, BTC/USD)');
const id = z.string().min(1).max(128);
const reasonText = z.string().trim().min(3, 'give a reason of at least 3 characters').max(500);
const positiveQty = z
  .number()
  .positive('quantity must be greater than zero')
  .max(MAX_ORDER_QTY, `quantity must be at most ${MAX_ORDER_QTY}`);
const price = z.number().positive('price must be greater than zero').max(MAX_PRICE);
/** A percentage setting, stored as a fraction; messages name the limit in percent. */
const pctSetting = (label: string, max: number) =>
  z
    .number({ error: `${label} must be a number (a fraction, e.g. 0.01 for 1%)` })
    .gt(0, `${label} must be greater than 0%`)
    .max(max, `${label} must be at most ${+(max * 100).toFixed(4)}%`);
const rangeSetting = (label: string, min: number, max: number, int = false) => {
  const base = z.number({ error: `${label} must be a number between ${min} and ${max}` });
  return (int ? base.int(`${label} must be a whole number`) : base)
    .min(min, `${label} must be at least ${min}`)
    .max(max, `${label} must be at most ${max}`);
};

export const RiskSettingsSchema = z.strictObject({
  riskPerTradePct: pctSetting('risk per trade', 0.02),
  stopAtrMultiple: rangeSetting('stop distance (x ATR)', 0.5, 10),
  targetAtrMultiple: rangeSetting('target distance (x ATR)', 0.5, 20),
  maxPositionNotionalPct: pctSetting('max position size', 1),
  maxOpenPositions: rangeSetting('max open positions', 1, 100, true),
  maxGrossExposurePct: pctSetting('max gross exposure', 2),
  dailyLossAlertPct: pctSetting('daily loss alert', 0.5),
  dailyLossReducePct: pctSetting('daily loss stop for new entries', 0.5),
  drawdownAlertPct: pctSetting('drawdown alert', 0.9),
  drawdownHaltPct: pctSetting('drawdown halt', 0.9),
  volatilityBreakerMultiple: rangeSetting('volatility breaker (x median ATR%)', 1, 20),
  staleDataBars: rangeSetting('stale data (bar intervals)', 1, 100, true),
  maxCorrelation: pctSetting('max correlation with an open position', 1),
  liveExposureCapPct: pctSetting('live capital throttle', 1),
});

export const DeadManSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  dataStaleSec: rangeSetting('dead-man market data timeout (s)', 5, 3600, true),
  brokerLostSec: rangeSetting('dead-man broker timeout (s)', 5, 3600, true),
});

export const StrategySettingsSchema = z.strictObject({
  id: z.literal('sma-cross'),
  fast: z.number().int().min(2).max(500),
  slow: z.number().int().min(3).max(1000),
  symbols: z.array(symbol).min(1).max(200),
});

export const ReadinessThresholdsSchema = z.strictObject({
  minSharpe: rangeSetting('minimum backtest Sharpe', -5, 10),
  maxDrawdown: pctSetting('maximum backtest drawdown', 1),
  minWinRate: rangeSetting('minimum win rate', 0, 1),
  maxWinRate: rangeSetting('maximum win rate', 0, 1),
  minTrades: rangeSetting('minimum number of trades', 1, 100_000, true),
  minPositiveWindowShare: rangeSetting('share of walk-forward windows with a positive Sharpe', 0, 1),
  minPaperDays: rangeSetting('minimum paper trading days', 1, 3650, true),
  maxPaperDeviationPp: rangeSetting('paper vs backtest return tolerance (percentage points)', 0, 100),
});

export const SettingsSchema = z.strictObject({
  risk: RiskSettingsSchema,
  readiness: ReadinessThresholdsSchema,
  strategy: StrategySettingsSchema,
  approvalTimeoutSec: rangeSetting('approval timeout (s)', 5, 3600, true),
  flattenOnStop: z.boolean(),
  deadMan: DeadManSettingsSchema,
});

export const SettingsPatchSchema = z.strictObject({
  risk: RiskSettingsSchema.partial().optional(),
  readiness: ReadinessThresholdsSchema.partial().optional(),
  strategy: StrategySettingsSchema.omit({ id: true }).partial().strict().optional(),
  approvalTimeoutSec: SettingsSchema.shape.approvalTimeoutSec.optional(),
  flattenOnStop: z.boolean().optional(),
  deadMan: DeadManSettingsSchema.partial().optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export const StopSourceSchema = z.enum(['ui', 'shortcut', 'tray', 'cli']);

// ---------- requests ----------

export interface Snapshot {
  broker: BrokerStatus;
  account: AccountState;
  tradingState: TradingStateRecord;
  mode: SupervisorMode;
  positions: PositionView[];
  openOrders: OrderRecord[];
  recentOrders: OrderRecord[];
  approvals: Approval[];
  instruments: Instrument[];
  settings: Settings;
  lastStop: StopReport | null;
  /** the latest "Test emergency stop" drill */
  lastDrill: StopReport | null;
  readiness: ReadinessItem[];
  /** recent alerts, newest first */
  alerts: Alert[];
  /** differences with the broker: unresolved ones lock autonomous mode */
  reconciliation: ReconciliationItem[];
  /** proposals still to be approved automatically ("Approve next N") */
  autoApproveRemaining: number;
  timeframe: Timeframe;
  serverTime: number;
}

/** Queue and collection sizes inside the engine: each must stay bounded on a long run. */
export interface EngineQueueLengths {
  /** writes waiting for the turn's group commit */
  pendingWrites: number;
  /** events waiting for that commit, or for the fsync of a committed turn */
  pendingPublishes: number;
  /** live bars not yet saved to the store, over all symbols */
  barBuffer: number;
  /** proposals waiting for a decision */
  approvals: number;
  /** recent alerts kept in memory (the snapshot's list) */
  alerts: number;
  openOrders: number;
  /** order times kept for the order-rate limit */
  recentOrderTimes: number;
  /** event subscribers (hosts, transports) */
  listeners: number;
}

/** What the host adds: the process the engine runs in. */
export interface HostMetrics {
  /** bars delivered to the engine since the host started */
  barsProcessed: number;
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number; arrayBuffersBytes: number };
  /** CPU time the host process has used (user + system): against wall time, how much CPU it got */
  cpuMs: number;
  /**
   * Event-loop delay of the engine's thread (perf_hooks.monitorEventLoopDelay): since the host
   * started, and per closed window of `windowMs`, newest last (at most the last minute or two).
   */
  eventLoopDelay: {
    windowMs: number;
    overall: { p50Ms: number; p99Ms: number; maxMs: number; samples: number };
    /**
     * Since the last app:metrics request with markDelay (since the host started when none yet):
     * `markedAt` is when that was, null for the host's start. A request that marks gets the
     * figures of the period it closes.
     */
    sinceMark: { p50Ms: number; p99Ms: number; maxMs: number; samples: number; markedAt: number | null };
    windows: { endedAt: number; p99Ms: number; maxMs: number; samples: number }[];
  };
}

/** What a transport adds: the headless host's WebSocket clients. */
export interface TransportMetrics {
  clients: number;
  /** the largest number of bytes queued for one client and not yet sent */
  maxBufferedBytes: number;
  /** bars:tick frames left out for clients too far behind, since the host started */
  barFramesSkipped: number;
}

/** `app:metrics`: cheap, read-only figures for soak tests and diagnostics. */
export interface AppMetrics {
  at: number;
  engine: EngineQueueLengths;
  /** null when no host adds it (an engine on its own, in tests) */
  host: HostMetrics | null;
  /** null outside the headless host */
  transport: TransportMetrics | null;
}

export interface BarsHistory {
  symbol: string;
  timeframe: Timeframe;
  bars: Bar[];
  fills: Fill[];
}

/** Requests the engine itself serves. */
export const engineRequestSchemas = {
  'app:snapshot': z.strictObject({}),
  'bars:history': z.strictObject({
    symbol,
    limit: z.number().int().min(1).max(5000).default(500),
  }),
  /**
   * The symbols whose live bars this client wants in bars:tick (its chart on screen); [] for
   * none. Until a client asks, it gets every symbol's. Kept by the transport, per client.
   */
  'bars:watch': z.strictObject({
    symbols: z.array(symbol).max(MAX_WATCHED_SYMBOLS, `watch at most ${MAX_WATCHED_SYMBOLS} symbols`),
  }),
  'orders:approve': z.strictObject({ approvalId: id }),
  'orders:reject': z.strictObject({ approvalId: id, reason: z.string().max(500).optional() }),
  'orders:submit': z
    .strictObject({
      symbol,
      side: z.enum(['buy', 'sell']),
      qty: positiveQty,
      type: z.enum(['market', 'limit']),
      limitPrice: price.optional(),
    })
    .refine((o) => o.type === 'market' || o.limitPrice !== undefined, {
      message: 'a limit order needs limitPrice',
      path: ['limitPrice'],
    })
    .refine((o) => o.type === 'limit' || o.limitPrice === undefined, {
      message: 'a market order takes no limitPrice',
      path: ['limitPrice'],
    }),
  'orders:cancel': z.strictObject({ clientOrderId: id }),
  'orders:list': z.strictObject({
    scope: z.enum(['open', 'all']).default('all'),
    limit: z.number().int().min(1).max(1000).default(200),
  }),
  'supervisor:set_mode': z.strictObject({ mode: z.enum(['manual', 'autonomous']) }),
  'killswitch:engage': z.strictObject({
    flatten: z.boolean().optional(),
    source: StopSourceSchema.default('ui'),
  }),
  'killswitch:rearm': z.strictObject({ reason: reasonText }),
  /** run the whole stop sequence as a drill (simulator or paper only), record it, re-arm if it passed */
  'killswitch:drill': z.strictObject({}),
  /** approve the next N proposals automatically (still risk-checked): a step toward autonomy */
  'orders:approve_next': z.strictObject({ count: z.number().int('count must be a whole number').min(0).max(50, 'approve at most the next 50 proposals') }),
  'alerts:list': z.strictObject({ limit: z.number().int().min(1).max(1000).default(100) }),
  'reconcile:list': z.strictObject({}),
  'reconcile:run': z.strictObject({}),
  'reconcile:resolve': z.strictObject({ id: id, action: z.enum(['adopt', 'ignore', 'close']) }),
  'settings:get': z.strictObject({}),
  'settings:update': z.strictObject({ patch: SettingsPatchSchema }),
  'audit:list': z.strictObject({
    limit: z.number().int().min(1).max(1000).default(200),
    beforeId: z.number().int().positive().optional(),
  }),
  'equity:curve': z.strictObject({ limit: z.number().int().min(1).max(100_000).default(2000) }),
  'readiness:get': z.strictObject({}),
  /** queue lengths, memory and event-loop delay (read-only, cheap: soak tests poll it every second) */
  // markDelay: start a new 'since mark' event-loop delay period (a soak marks the end of its warm-up)
  'app:metrics': z.strictObject({ markDelay: z.literal(true).optional() }),
} as const;

/**
 * Every request: the engine's, the strategy lab's (served by the host's lab service) and the broker
 * connection's (served by the host's broker settings, electron/secrets).
 */
export const requestSchemas = { ...engineRequestSchemas, ...labRequestSchemas, ...brokerRequestSchemas } as const;

export type Channel = keyof typeof requestSchemas;
export type EngineChannel = keyof typeof engineRequestSchemas;
export type LabChannel = keyof typeof labRequestSchemas;

export function isLabChannel(x: unknown): x is LabChannel {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(labRequestSchemas, x);
}
export type BrokerChannel = keyof typeof brokerRequestSchemas;

export function isBrokerChannel(x: unknown): x is BrokerChannel {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(brokerRequestSchemas, x);
}
export const CHANNELS = Object.keys(requestSchemas) as Channel[];

export function isChannel(x: unknown): x is Channel {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, x);
}

/** What a caller passes (defaults may be omitted). */
export type RequestInput<C extends Channel> = z.input<(typeof requestSchemas)[C]>;
/** What the engine receives after validation (defaults filled). */
export type RequestPayload<C extends Channel> = z.output<(typeof requestSchemas)[C]>;

export interface ResultTypes extends LabResultTypes, BrokerResultTypes {
  'app:snapshot': Snapshot;
  'bars:history': BarsHistory;
  'bars:watch': { symbols: string[] };
  'orders:approve': OrderRecord;
  'orders:reject': Approval;
  'orders:submit': OrderRecord;
  'orders:cancel': OrderRecord;
  'orders:list': OrderRecord[];
  'supervisor:set_mode': { mode: SupervisorMode };
  'killswitch:engage': StopReport;
  'killswitch:rearm': TradingStateRecord;
  'killswitch:drill': StopReport;
  'orders:approve_next': { remaining: number };
  'alerts:list': Alert[];
  'reconcile:list': ReconciliationItem[];
  'reconcile:run': ReconciliationItem[];
  'reconcile:resolve': ReconciliationItem;
  'settings:get': Settings;
  'settings:update': Settings;
  'audit:list': AuditEntry[];
  'equity:curve': EquityPoint[];
  'readiness:get': ReadinessItem[];
  'app:metrics': AppMetrics;
}

// ---------- events ----------

export interface BarTick {
  symbol: string;
  bar: Bar;
}

export interface EventTypes extends LabEventTypes {
  'engine:status': {
    tradingState: TradingStateRecord;
    mode: SupervisorMode;
    broker: BrokerStatus;
  };
  'account:updated': AccountState;
  'positions:updated': PositionView[];
  'orders:updated': OrderRecord;
  'approvals:updated': Approval[];
  /**
   * New bars as the engine takes them in; several per symbol are possible at high simulator
   * speeds. A client that sent bars:watch gets only its watched symbols' ticks (and no frame
   * when none is among them).
   */
  'bars:tick': { timeframe: Timeframe; ticks: BarTick[] };
  'fills:new': Fill;
  'audit:appended': AuditEntry;
  'killswitch:progress': StopReport;
  'readiness:updated': ReadinessItem[];
  'equity:point': EquityPoint;
  /** something the user must know now: also a desktop notification in the app */
  'alerts:raised': Alert;
  'supervisor:auto_approve': { remaining: number };
  'reconcile:updated': ReconciliationItem[];
}
export type EventName = keyof EventTypes;
export const EVENT_NAMES: EventName[] = [
  'engine:status',
  'account:updated',
  'positions:updated',
  'orders:updated',
  'approvals:updated',
  'bars:tick',
  'fills:new',
  'audit:appended',
  'killswitch:progress',
  'readiness:updated',
  'equity:point',
  'alerts:raised',
  'supervisor:auto_approve',
  'reconcile:updated',
  ...LAB_EVENT_NAMES,
];

export type EngineEvent = { [E in EventName]: { name: E; payload: EventTypes[E] } }[EventName];

// ---------- the typed API both transports expose ----------

export type Api = {
  request<C extends Channel>(channel: C, input: RequestInput<C>): Promise<Result<ResultTypes[C]>>;
  /** subscribe to one event; returns the unsubscribe function */
  on<E extends EventName>(event: E, listener: (payload: EventTypes[E]) => void): () => void;
};

/** Validate an untrusted request; on failure the message names each bad field. */
export function parseRequest(
  channel: unknown,
  payload: unknown,
): { ok: true; channel: Channel; payload: unknown } | { ok: false; error: ApiError } {
  if (!isChannel(channel)) {
    const shown = typeof channel === 'string' ? channel.slice(0, 64) : typeof channel;
    return err('unknown_channel', `unknown request channel "${shown}"; known channels: ${CHANNELS.join(', ')}`);
  }
  const parsed = requestSchemas[channel].safeParse(payload ?? {});
  if (!parsed.success) {
    const details = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : 'payload'}: ${i.message}`)
      .join('; ');
    return err('invalid_request', `invalid ${channel} request: ${details}`);
  }
  return { ok: true, channel, payload: parsed.data };
}

// ---------- the headless WebSocket wire format ----------

export const WIRE_MAX_FRAME_BYTES = 64 * 1024;

export type ClientFrame = { kind: 'request'; id: number; channel: string; payload: unknown };
export type ServerFrame =
  | { kind: 'result'; id: number; result: Result<unknown> }
  | { kind: 'event'; name: EventName; payload: unknown }
  | { kind: 'error'; error: ApiError };
