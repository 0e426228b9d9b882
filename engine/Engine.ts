// The engine: one object that owns the trading state and wires strategy -> risk -> supervisor ->
// order manager -> broker. Hosts reach it only through `dispatch` (validated requests of the
// contract) and `subscribe` (events). Startup is the recovery path: state is restored and
// reconciled with the broker before any strategy may act, and the engine always starts manual.
import {
  err,
  ok,
  parseRequest,
  type EngineChannel,
  type EngineEvent,
  type EventName,
  type EventTypes,
  type RequestPayload,
  type Result,
  type ResultTypes,
  type Snapshot,
  SettingsSchema,
} from './api/contract';
import type { EngineContext, EngineState, LogFn } from './context';
import type { Alert, AlertKind, AlertLevel, AuditEntry, AuditKind, Bar, BracketLevels, OrderIntent, OrderRecord, PositionProtection, PositionView, ReadinessItem, Settings, SizingExplanation, StopReport, TradingStateRecord } from './domain/types';
import { TIMEFRAME_MS } from './domain/types';
import { upgradeSettings } from './defaults';
import { KillSwitch, type KillSwitchOptions } from './killswitch/KillSwitch';
import { strategyIntentKey } from './orders/clientOrderId';
import { OrderManager } from './orders/OrderManager';
import type { AuditInput, Broker, Clock, MarketData, Store } from './ports';
import { markAccount, marketValue, viewPosition } from './portfolio/Portfolio';
import { blockingItems, computeReadiness, describeBlocking } from './readiness/checklist';
import type { LabEvidence } from './readiness/evidence';
import { Breakers } from './risk/Breakers';
import { checkOrder, roundPrice, sizeByRisk, type MarketView } from './risk/RiskEngine';
import { SymbolStats } from './risk/SymbolStats';
import { SmaCross } from './strategies/smaCross';
import type { Signal, Strategy } from './strategies/types';
import { ApprovalQueue } from './supervisor/ApprovalQueue';
import { InvariantError } from './util/assert';
import { Reconciler } from './reconciliation';
import { recoverOpenOrders } from './recovery';
import { ValidatedMarketData, type QuarantinedBar } from './data/ValidatedMarketData';
import { BarColumnBuffer } from './data/BarColumnBuffer';

export interface EngineDeps {
  store: Store;
  broker: Broker;
  market: MarketData;
  clock: Clock;
  log?: LogFn;
  /** wall-clock interval between live bars, for the data-freshness check */
  expectedBarIntervalMs?: number;
  killSwitch?: KillSwitchOptions;
  /** how the broker keys are kept, for the readiness checklist (the host knows; null on the simulator) */
  keyStorage?: { encrypted: boolean; detail: string } | null;
}

type Handlers = { [C in EngineChannel]: (p: RequestPayload<C>) => Promise<Result<ResultTypes[C]>> | Result<ResultTypes[C]> };

const ACCOUNT_EMIT_MS = 250;
const EQUITY_POINT_MS = 1000;
const BAR_FLUSH_MS = 500;
const BAR_FLUSH_SYMBOLS_PER_TICK = 10;
/**
 * Bars saved in one engine turn at most; a flush round that has more continues in the next
 * turns. At full simulator speed a round holds tens of thousands of bars, whose single write
 * blocked the thread for 100 ms and more; about a chunk's worth (db/repositories/bars.ts) per
 * turn keeps each write to a few milliseconds.
 */
const BAR_FLUSH_BARS_PER_TURN = 2048;
/**
 * Unsaved bars at which a flush round starts at once instead of at the next BAR_FLUSH_MS tick,
 * and at which a full-speed simulator is told to wait (backlogged()): what bounds the buffer,
 * and the memory it holds, under load.
 */
const BAR_FLUSH_EAGER_BARS = 20_000;
const BAR_BACKLOG_BARS = 48_000;
/** engine turns committed and waiting for their fsync at which a full-speed simulator waits too */
const BACKLOG_TURNS_AWAITING_DISK = 64;
/**
 * A symbol's buffer is saved early (before its BAR_FLUSH_MS turn) once it holds this many bars.
 * Saving appends to the symbol's newest chunk, which SQLite rewrites whole: a few bars at a time
 * would rewrite ~50 KB to add a few hundred bytes.
 */
const BAR_FLUSH_SYMBOL_BATCH = 512;
/** engine-thread time one bar-flush turn may take; the rest goes to the next turn */
const BAR_FLUSH_TURN_MS = 1.5;
/**
 * A strategy denied by the same rule on the same symbol and side again and again (the order-rate
 * limit on a fast feed) writes its first denial in full, then one summary with the count per
 * window: the audit log stays readable, and the disk and the UI are not flooded with thousands
 * of identical rows a second.
 */
export const RISK_DENIAL_AUDIT_WINDOW_MS = 60_000;
const STRATEGY_WARMUP_BARS = 400;
const RECONCILE_EVERY_MS = 60_000;
/** how soon reconciliation looks up orders whose submit was never answered (see OrderManager.hasUncertain) */
const UNCERTAIN_RECONCILE_MS = 2_000;
const EVIDENCE_EVERY_MS = 30_000;
/** quarantined bars kept in memory for the checklist */
const QUARANTINE_RECENT = 20;
const QUARANTINE_AUDIT_PER_MIN = 10;
const QUARANTINE_ALERT_MS = 5 * 60_000;
/**
 * A market order is meant to execute at once: one still unfilled a minute after it was placed
 * (a halted symbol, a closed market, a broker that never answered) would otherwise fill at a
 * price the decision never saw, and it holds its symbol against new signals. The same deadline
 * applies to any order the broker never acknowledged (still pending_submit). Resting limit
 * orders are exempt: they are meant to wait until cancelled or their time in force ends.
 */
export const UNFILLED_ORDER_DEADLINE_MS = 60_000;
/** store meta key of the entries' protective levels, by symbol (one key: they are read together at start) */
export const PROTECTION_META_KEY = 'positionProtection';

export class Engine {
  readonly orders: OrderManager;
  readonly approvals: ApprovalQueue;
  readonly killSwitch: KillSwitch;
  readonly reconciler: Reconciler;
  private readonly ctx: EngineContext;
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private strategies = new Map<string, Strategy>();
  /** unsaved live bars per symbol, oldest symbol first (columns: see BarColumnBuffer) */
  private readonly barBuffer = new Map<string, BarColumnBuffer>();
  /** emptied buffers of symbols that left barBuffer, reused when their next bar arrives */
  private readonly spareBarBuffers = new Map<string, BarColumnBuffer>();
  /** repeated risk denials being counted, by symbol|side|rule (see RISK_DENIAL_AUDIT_WINDOW_MS) */
  private readonly denials = new Map<string, DenialWindow>();
  /** bars in barBuffer, over all symbols */
  private barsBuffered = 0;
  private unsubscribers: (() => void)[] = [];
  private lastAccountEmit = 0;
  private lastEquityPoint = 0;
  private lastBarFlush = 0;
  /** the next turn of a bar flush round that has more to save (flushBarRound) */
  private barFlushRound: ReturnType<typeof setImmediate> | null = null;
  private manualSeq = 0;
  private readonly symbolStats = new Map<string, SymbolStats>();
  private readonly marketView: MarketView;
  private readonly breakers: Breakers;
  private recentAlerts: Alert[] = [];
  private autoApproveRemaining = 0;
  private lastHeartbeat = 0;
  private lastReconcile = 0;
  private evidence: LabEvidence | null = null;
  private lastEvidence = 0;
  private brokerConnected = true;
  /** the writes queued in this engine turn, committed together at its end (see write) */
  private turn: PendingTurn | null = null;
  /**
   * Turns committed whose fsync (on libuv's thread pool) has not returned yet, oldest first.
   * Their awaiters and publishes, and every event emitted after them, wait until it has.
   */
  private readonly awaitingDisk: PendingTurn[] = [];
  /** set while settled turns publish, so their events go out at once instead of queueing */
  private draining = false;
  /**
   * Set while the disk refuses our writes (full, read-only, I/O error): trading was halted for
   * it in memory, and the alert was shown once. Cleared by the first commit that succeeds,
   * which also saves the in-memory trading state the failed commits could not.
   */
  private storageFailure: { at: number; message: string } | null = null;
  private stopped = false;
  /** orders whose deadline cancel is in flight, so a slow broker does not get the cancel twice */
  private readonly deadlineCancels = new Set<string>();
  /**
   * Stop and target of each strategy entry, by symbol: held at the broker as bracket legs
   * (stocks), or watched here on every bar (crypto, which Alpaca cannot bracket).
   */
  private protection = new Map<string, PositionProtection>();
  private readonly handlers: Handlers;
  /** per symbol: how many quarantined bars were audited this minute, and when the last alert went out */
  private readonly quarantineRate = new Map<string, { windowStart: number; written: number; suppressed: number; lastAlert: number }>();

  private constructor(
    private readonly deps: EngineDeps,
    state: EngineState,
  ) {
    const log: LogFn = deps.log ?? (() => undefined);
    this.ctx = {
      store: deps.store,
      broker: deps.broker,
      market: deps.market,
      clock: deps.clock,
      state,
      log,
      emit: (name, payload) => this.emit(name, payload),
      audit: (kind, message, data) => this.audit(kind, message, data),
      write: (fn, publish) => this.write(fn, publish),
      flushWrites: () => this.commit(),
      alert: (level, kind, message) => this.alert(level, kind, message),
    };
    this.marketView = {
      stats: (symbol) => this.symbolStats.get(symbol),
      expectedBarIntervalMs: deps.expectedBarIntervalMs ?? TIMEFRAME_MS[deps.market.timeframe],
      lastPrice: (symbol) => deps.market.lastPrice(symbol),
    };
    this.breakers = new Breakers(this.ctx, {
      setState: (rec) => this.setTradingState(rec),
      emergencyStop: (reason) => void this.killSwitch.engage('breaker', false).catch((e: unknown) => this.failure(e, `the emergency stop (${reason})`)),
      alert: (level, kind, message) => this.alert(level, kind, message),
    });
    this.orders = new OrderManager(this.ctx, () => {
      const blocking = blockingItems(this.readiness(), this.deps.broker.status.environment, 'trade');
      return blocking.length === 0 ? null : { code: 'risk_denied', message: `live trading needs every readiness item green; blocking: ${describeBlocking(blocking)}` };
    }, (intent, reserved) => this.recheckBeforeSend(intent, reserved));
    this.approvals = new ApprovalQueue(
      this.ctx,
      this.orders,
      (intent, price) => this.recheck(intent, price),
      (intent, price) => this.reprice(intent, price),
    );
    this.killSwitch = new KillSwitch(this.ctx, this.orders, this.approvals, deps.killSwitch);
    this.reconciler = new Reconciler(this.ctx, this.orders);
    this.handlers = this.buildHandlers();
  }

  /** Restore, reconcile, warm up; only then subscribe strategies to live bars. */
  static async start(feedDeps: EngineDeps): Promise<Engine> {
    // Every part of the engine sees the feed through validation; quarantined bars are reported
    // to the engine once it exists (none can arrive before it subscribes).
    let quarantine: (bars: QuarantinedBar[]) => void = () => undefined;
    const validated = new ValidatedMarketData(feedDeps.market, (bars) => quarantine(bars));
    const deps: EngineDeps = { ...feedDeps, market: validated };
    const { store, broker, market, clock } = deps;
    const restored = store.restore();
    const now = clock.now();
    const instruments = new Map(market.instruments().map((i) => [i.symbol, i]));
    // settings from an earlier version are upgraded (new fields take their defaults)
    const settings = upgradeSettings(restored.settings, [...instruments.keys()].slice(0, 5));
    if (JSON.stringify(settings) !== JSON.stringify(restored.settings)) store.saveSettings(settings);
    let tradingState: TradingStateRecord =
      restored.tradingState ?? { state: 'active', setBy: 'system', reason: 'first start', at: now, latched: false };
    if (!restored.tradingState) store.saveTradingState(tradingState);
    let account = restored.account;
    if (!account) {
      const a = await broker.getAccount();
      const equity = a.ok ? a.value.equity : 0;
      account = { cash: a.ok ? a.value.cash : 0, equity, buyingPower: a.ok ? a.value.buyingPower : 0, dayStartEquity: equity, peakEquity: equity, updatedAt: now };
      store.saveAccount(account);
    }
    const state: EngineState = {
      settings,
      tradingState,
      mode: 'manual',
      account,
      positions: new Map(restored.positions.filter((p) => p.qty !== 0).map((p) => [p.symbol, p])),
      openOrders: new Map(restored.openOrders.map((o) => [o.clientOrderId, o])),
      approvals: new Map(restored.pendingApprovals.map((a) => [a.id, a])),
      instruments,
      lastStop: restored.lastStop,
      lastDrill: store.getMeta<StopReport>('lastDrill'),
      reconciliation: [],
      lastBarAt: null,
      dataQuarantine: { total: 0, recent: [] },
      recentOrderTimes: [],
      brokerAccount: null,
      keyStorage: deps.keyStorage ?? null,
    };
    const engine = new Engine(deps, state);
    engine.recentAlerts = store.listAuditOfKind('alert', 50).map(toAlert);
    engine.protection = new Map(Object.entries(store.getMeta<Record<string, PositionProtection>>(PROTECTION_META_KEY) ?? {}));
    const session = store.getMeta<{ startedAt: number; heartbeat: number; clean: boolean }>('session');
    store.setMeta('session', { startedAt: now, heartbeat: now, clean: false });
    if (session && !session.clean) {
      const down = Math.max(0, now - session.heartbeat);
      engine.alert('warning', 'unclean_shutdown', `The app stopped unexpectedly (last sign of life ${new Date(session.heartbeat).toISOString()}, down about ${Math.round(down / 1000)} s). Positions, orders, approvals and the trading state were restored; see the reconciliation below for what changed at the broker meanwhile.`);
    }
    engine.audit(
      'recovery',
      `Started: ${state.positions.size} positions, ${state.openOrders.size} open orders, ${state.approvals.size} pending approvals restored; trading ${tradingState.state}${tradingState.latched ? ' (latched)' : ''}; manual mode`,
      { positions: state.positions.size, openOrders: state.openOrders.size, approvals: state.approvals.size, tradingState },
    );
    if (restored.fillsAfterCheckpoint.length > 0) {
      engine.audit('recovery', `${restored.fillsAfterCheckpoint.length} journaled fills were newer than the positions checkpoint`, { fills: restored.fillsAfterCheckpoint.length });
    }
    // Broker events first, so nothing that happens during reconciliation is missed (fills are idempotent).
    engine.unsubscribers.push(
      broker.onEvent((e) =>
        engine.safely(() => {
          if (e.type === 'connection') {
            const wasDown = !engine.brokerConnected;
            engine.brokerConnected = e.status.connected;
            engine.breakers.onBrokerConnection(e.status.connected);
            engine.recordConnection('broker', wasDown, e.status.connected, e.status.message);
            // what happened while the link was down is only known by asking again
            if (wasDown && e.status.connected) engine.background(engine.reconciler.run('reconnect'), 'reconciling after the broker reconnected');
          }
          engine.orders.handleBrokerEvent(e);
        }),
      ),
    );
    engine.approvals.expireDue();
    await recoverOpenOrders(engine.ctx, engine.orders);
    await engine.refreshAccountStatus();
    await engine.reconciler.run('startup');
    tradingState = state.tradingState;
    for (const symbol of instruments.keys()) {
      const stats = new SymbolStats();
      for (const bar of market.history(symbol, 200)) stats.update(bar, null);
      engine.symbolStats.set(symbol, stats);
    }
    engine.refreshEvidence();
    engine.rebuildStrategies();
    quarantine = (bars) => engine.safely(() => engine.onQuarantine(bars));
    validated.seedFromHistory(instruments.keys());
    engine.unsubscribers.push(market.onBars((batch) => engine.safely(() => engine.onBars(batch))));
    // a feed that reports its connection (Alpaca's streams; asked of the raw feed, not its validating wrapper) leaves the same traces as the broker
    let feedUp = true;
    const stopFeedStatus = feedDeps.market.onStatus?.((st) =>
      engine.safely(() => {
        const wasDown = !feedUp;
        feedUp = st.connected;
        engine.recordConnection('market data', wasDown, st.connected, st.message);
      }),
    );
    if (stopFeedStatus) engine.unsubscribers.push(stopFeedStatus);
    engine.emitStatus();
    return engine;
  }

  // ---------- the API ----------

  async dispatch(channel: unknown, payload: unknown): Promise<Result<unknown>> {
    const parsed = parseRequest(channel, payload);
    if (!parsed.ok) return parsed;
    if (this.stopped) return err('internal', 'the engine is shutting down');
    if (!Object.prototype.hasOwnProperty.call(this.handlers, parsed.channel)) {
      return err('unknown_channel', `${parsed.channel} is not served by the engine`);
    }
    try {
      const handler = this.handlers[parsed.channel as EngineChannel] as (p: unknown) => Promise<Result<unknown>> | Result<unknown>;
      return await handler(parsed.payload);
    } catch (e) {
      return this.failure(e, `handling ${parsed.channel}`);
    }
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Housekeeping, called about once a second by the host: expiries, equity curve, bar history. */
  tick(): void {
    this.safely(() => {
      const now = this.deps.clock.now();
      this.approvals.expireDue();
      this.breakers.onTick();
      this.cancelOverdueOrders(now);
      if (now - this.lastEvidence >= EVIDENCE_EVERY_MS) this.refreshEvidence();
      // an order whose submit went unanswered is looked up again soon, not at the next periodic run
      if (now - this.lastReconcile >= (this.orders.hasUncertain() ? UNCERTAIN_RECONCILE_MS : RECONCILE_EVERY_MS)) {
        this.lastReconcile = now;
        this.background(this.reconciler.run('periodic'), 'the periodic reconciliation');
        this.background(this.refreshAccountStatus(), 'reading the account status');
      }
      if (now - this.lastHeartbeat >= 5000) {
        this.lastHeartbeat = now;
        const startedAt = this.deps.store.getMeta<{ startedAt: number }>('session')?.startedAt ?? now;
        void this.write(() => this.deps.store.setMeta('session', { startedAt, heartbeat: now, clean: false }));
      }
      if (now - this.lastEquityPoint >= EQUITY_POINT_MS) {
        this.lastEquityPoint = now;
        this.markToMarket(true);
        const a = this.ctx.state.account;
        const point = { t: now, equity: a.equity, cash: a.cash };
        void this.write(
          () => {
            this.deps.store.saveAccount(a);
            this.deps.store.appendEquity(point);
          },
          () => this.emit('equity:point', point),
        );
        this.emit('readiness:updated', this.readiness());
      }
      if (now - this.lastBarFlush >= BAR_FLUSH_MS && !this.barFlushRound) this.flushBarRound();
      this.closeDenialWindows(now);
    });
  }

  /**
   * One flush round: the oldest BAR_FLUSH_SYMBOLS_PER_TICK buffers, plus any buffer holding
   * BAR_FLUSH_SYMBOL_BATCH bars (at full simulator speed that is every symbol), saved at most
   * BAR_FLUSH_BARS_PER_TURN bars and BAR_FLUSH_TURN_MS per turn.
   */
  private flushBarRound(): void {
    let symbols = [...this.barBuffer.keys()].filter((symbol, i) => i < BAR_FLUSH_SYMBOLS_PER_TICK || (this.barBuffer.get(symbol)?.length ?? 0) >= BAR_FLUSH_SYMBOL_BATCH);
    const turn = (): void => {
      this.barFlushRound = null;
      if (this.stopped) return;
      this.safely(() => {
        symbols = this.flushBars(symbols, BAR_FLUSH_BARS_PER_TURN, performance.now() + BAR_FLUSH_TURN_MS);
        if (symbols.length > 0) this.barFlushRound = setImmediate(turn);
      });
    };
    turn();
  }

  /** Cancel orders past UNFILLED_ORDER_DEADLINE_MS (see there for which orders have one). */
  private cancelOverdueOrders(now: number): void {
    for (const o of this.ctx.state.openOrders.values()) {
      if (this.deadlineCancels.has(o.clientOrderId) || now - o.createdAt < UNFILLED_ORDER_DEADLINE_MS) continue;
      const overdueMarket = o.type === 'market' && (o.origin === 'strategy' || o.origin === 'killswitch') && o.status !== 'pending_cancel';
      const unacknowledged = o.status === 'pending_submit';
      if (!overdueMarket && !unacknowledged) continue;
      const reason = overdueMarket
        ? `market order not filled within ${UNFILLED_ORDER_DEADLINE_MS / 1000} s`
        : `not acknowledged by the broker within ${UNFILLED_ORDER_DEADLINE_MS / 1000} s`;
      this.deadlineCancels.add(o.clientOrderId);
      this.audit('order_updated', `Cancelling order ${o.clientOrderId} (${o.side} ${o.qty} ${o.symbol} ${o.type}, ${o.status}): ${reason}`, { clientOrderId: o.clientOrderId, reason });
      void this.orders
        .cancel(o.clientOrderId)
        .then(
          (r) => {
            if (!r.ok) this.audit('error', `Deadline cancel of ${o.clientOrderId} failed: ${r.error.message}`, { clientOrderId: o.clientOrderId, reason });
          },
          (e: unknown) => this.failure(e, `cancelling overdue order ${o.clientOrderId}`),
        )
        .finally(() => this.deadlineCancels.delete(o.clientOrderId));
    }
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const u of this.unsubscribers) u();
    try {
      // the counts of repeated denials not written yet
      for (const [key, w] of [...this.denials]) this.closeDenialWindow(key, w);
      // durable before this returns, and with it every turn still waiting for its fsync
      this.commit('now');
      // the bars are committed without their fsync; the synchronous writes below fsync the same
      // WAL, which makes them durable too
      this.flushBars();
      this.deps.store.saveAccount(this.ctx.state.account);
      const session = this.deps.store.getMeta<{ startedAt: number }>('session');
      this.deps.store.setMeta('session', { startedAt: session?.startedAt ?? this.deps.clock.now(), heartbeat: this.deps.clock.now(), clean: true });
    } catch (e) {
      // the disk refused the last writes: the host still closes everything; the next start
      // sees an unclean shutdown and reconciles with the broker
      if (!this.storageFailed(e, 'the last writes before shutting down')) throw e;
    }
  }

  get state(): Readonly<EngineState> {
    return this.ctx.state;
  }

  snapshot(): Snapshot {
    const s = this.ctx.state;
    return {
      broker: this.deps.broker.status,
      account: s.account,
      tradingState: s.tradingState,
      mode: s.mode,
      positions: this.positionViews([...s.positions.values()].map((p) => viewPosition(p, this.deps.market.lastPrice(p.symbol)))),
      openOrders: [...s.openOrders.values()],
      recentOrders: this.deps.store.listOrders('all', 50),
      approvals: this.approvals.pending(),
      instruments: [...s.instruments.values()],
      settings: s.settings,
      lastStop: s.lastStop,
      lastDrill: s.lastDrill,
      readiness: this.readiness(),
      alerts: this.recentAlerts.slice(0, 50),
      reconciliation: s.reconciliation,
      autoApproveRemaining: this.autoApproveRemaining,
      timeframe: this.deps.market.timeframe,
      serverTime: this.deps.clock.now(),
    };
  }

  // ---------- live bars -> strategies -> risk -> supervisor ----------

  private onBars(batch: { symbol: string; bar: Bar }[]): void {
    if (this.stopped) return;
    this.ctx.state.lastBarAt = this.deps.clock.now();
    // every bar here passed validation (ValidatedMarketData); failures went to onQuarantine
    for (const { symbol, bar } of batch) {
      let buf = this.barBuffer.get(symbol);
      if (!buf) {
        buf = this.spareBarBuffers.get(symbol) ?? new BarColumnBuffer();
        this.spareBarBuffers.delete(symbol);
        this.barBuffer.set(symbol, buf);
      }
      buf.push(bar);
      this.symbolStats.get(symbol)?.update(bar, this.ctx.state.lastBarAt);
    }
    this.barsBuffered += batch.length;
    // a full-speed feed fills the buffer faster than the BAR_FLUSH_MS tick empties it: save now,
    // in turns of its own (not inside this one)
    if (this.barsBuffered >= BAR_FLUSH_EAGER_BARS && !this.barFlushRound) {
      this.barFlushRound = setImmediate(() => {
        this.barFlushRound = null;
        if (!this.stopped) this.flushBarRound();
      });
    }
    // Mark to the new prices before any decision: sizing and limits use this batch's equity,
    // and breakers trip before a strategy can act on a loss they would stop.
    this.markToMarket(false);
    // protective exits before any new decision on the same bar
    for (const { symbol, bar } of batch) this.watchProtection(symbol, bar);
    for (const { symbol, bar } of batch) {
      const strategy = this.strategies.get(symbol);
      if (!strategy) continue;
      const signal = strategy.onBar(bar);
      if (signal) this.onSignal(symbol, bar, signal, strategy);
    }
    this.emit('bars:tick', { timeframe: this.deps.market.timeframe, ticks: batch });
  }

  /**
   * Bars that failed validation: never traded on (they reach no strategy, statistic, chart or
   * price). Recorded in the audit log with the bar and its reason, at most
   * QUARANTINE_AUDIT_PER_MIN rows per symbol a minute so a broken feed cannot flood the disk,
   * and raised as an alert once per symbol every QUARANTINE_ALERT_MS.
   */
  private onQuarantine(bars: QuarantinedBar[]): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const q = this.ctx.state.dataQuarantine;
    for (const { symbol, bar, code, reason } of bars) {
      q.total++;
      // the checklist lists bad prints; the expected bar after a gap is only counted
      if (code !== 'gap') {
        q.recent.unshift({ symbol, at: now, barTime: bar.t, code, reason });
        if (q.recent.length > QUARANTINE_RECENT) q.recent.length = QUARANTINE_RECENT;
      }
      const when = Number.isFinite(bar.t) ? new Date(bar.t).toISOString() : String(bar.t);
      const rate = this.quarantineRate.get(symbol);
      const fresh = !rate || now - rate.windowStart >= 60_000;
      const r = fresh ? { windowStart: now, written: 0, suppressed: rate?.suppressed ?? 0, lastAlert: rate?.lastAlert ?? -Infinity } : rate;
      this.quarantineRate.set(symbol, r);
      if (r.written < QUARANTINE_AUDIT_PER_MIN) {
        r.written++;
        const more = r.suppressed > 0 ? ` (${r.suppressed} earlier quarantined bar(s) of ${symbol} were counted but not recorded one by one)` : '';
        r.suppressed = 0;
        this.audit('data_quarantined', `${symbol} bar for ${when} quarantined, not traded on: ${reason}${more}`, { symbol, code, reason, bar: { t: bar.t, o: bar.o, h: bar.h, l: bar.l, c: bar.c, v: bar.v } });
      } else {
        r.suppressed++;
      }
      // the first bar after a gap (every session open) is expected: audited, not alerted
      if (code !== 'gap' && now - r.lastAlert >= QUARANTINE_ALERT_MS) {
        r.lastAlert = now;
        this.alert('warning', 'data_quarantined', `${symbol}: the bar for ${when} failed validation and was quarantined (${reason}). No trade is placed on it; the reason of each such bar is in the audit log.`);
      }
    }
  }

  private onSignal(symbol: string, bar: Bar, signal: Signal, strategy: Strategy): void {
    const s = this.ctx.state;
    if (s.tradingState.state === 'halted') return;
    const instrument = s.instruments.get(symbol);
    if (!instrument) return;
    const held = s.positions.get(symbol)?.qty ?? 0;
    // The live strategy trades long-only: a long signal opens (or covers), a short/flat signal closes.
    let side: 'buy' | 'sell';
    let sizing: SizingExplanation;
    if (signal.direction === 'long') {
      if (held > 0) return;
      side = 'buy';
      if (held < 0) {
        sizing = { method: 'close position', equity: s.account.equity, price: bar.c, rawQty: -held, qty: -held, text: `cover the short position of ${-held}` };
      } else {
        const atr = this.symbolStats.get(symbol)?.atrValue ?? null;
        if (atr === null || !(atr > 0)) {
          this.audit('risk_denied', `${strategy.id} on ${symbol}: ${signal.reason}, but ATR(14) is not available yet to size the stop`, { signal });
          return;
        }
        sizing = sizeByRisk(s.account.equity, bar.c, atr, 'buy', instrument, s.settings.risk);
      }
    } else {
      if (held <= 0) return;
      side = 'sell';
      sizing = { method: 'close position', equity: s.account.equity, price: bar.c, rawQty: held, qty: held, text: `close the whole position of ${held}` };
    }
    // One working order per symbol; an exit may pass its position's own bracket legs, which the
    // order manager cancels before sending it.
    for (const o of s.openOrders.values()) if (o.symbol === symbol && !(side === 'sell' && this.orders.isBracketLeg(o))) return;
    if (this.approvals.hasPendingFor(symbol)) return;
    const levels = side === 'buy' && held === 0 && sizing.stopPrice !== undefined && sizing.targetPrice !== undefined ? { stop: sizing.stopPrice, target: sizing.targetPrice } : null;
    const bracket: BracketLevels | null = levels && instrument.assetClass === 'us_equity' ? { stopLoss: levels.stop, takeProfit: levels.target } : null;
    const intent: OrderIntent = {
      intentKey: strategyIntentKey(strategy.id, symbol, side, bar.t),
      symbol,
      side,
      type: 'market',
      qty: sizing.qty,
      limitPrice: null,
      origin: 'strategy',
      strategyId: strategy.id,
      reason: signal.reason,
      refPrice: bar.c,
      barTime: bar.t,
      bracket,
    };
    const decision = checkOrder(this.riskContext(symbol, bar.c), { symbol, side, qty: sizing.qty });
    const why = { strategy: strategy.id, signal, sizing, checks: decision.checks, intentKey: intent.intentKey };
    if (!decision.approved) {
      this.auditDenial(symbol, side, decision.checks.find((c) => !c.passed)?.rule ?? decision.reason ?? 'risk', `${side.toUpperCase()} ${sizing.qty} ${symbol} denied: ${decision.reason}`, why);
      return;
    }
    this.audit('signal', `${strategy.id} on ${symbol}: ${signal.reason} -> ${side.toUpperCase()} ${sizing.qty} (${sizing.text})`, why);
    // Kept from the decision on: the entry may fill at any moment after it is sent. Levels of an
    // entry that never fills are dropped once the symbol is flat with nothing pending.
    if (levels) this.setProtection(symbol, { ...levels, kind: bracket ? 'bracket' : 'local-watchdog' });
    if (s.mode === 'manual' && this.autoApproveRemaining > 0) {
      this.autoApproveRemaining--;
      this.emit('supervisor:auto_approve', { remaining: this.autoApproveRemaining });
      this.audit('approval_approved', `Approved automatically ("approve next N", ${this.autoApproveRemaining} left): ${side.toUpperCase()} ${sizing.qty} ${symbol}`, why);
      void this.orders.submit(intent).then((r) => {
        if (!r.ok) this.audit('error', `Auto-approved order for ${symbol} not placed: ${r.error.message}`, { intentKey: intent.intentKey });
      }, (e: unknown) => this.failure(e, 'submitting an auto-approved order'));
    } else if (s.mode === 'manual') {
      this.approvals.propose(intent, sizing, decision.checks, signal.indicators);
    } else {
      void this.orders.submit(intent).then((r) => {
        if (!r.ok) this.audit('error', `Autonomous order for ${symbol} not placed: ${r.error.message}`, { intentKey: intent.intentKey });
      }, (e: unknown) => this.failure(e, 'submitting an autonomous order'));
    }
  }

  /** Move an entry's protective levels (bracket and watched levels) with the price, keeping their distances. */
  private reprice(intent: OrderIntent, price: number): OrderIntent {
    const delta = price - intent.refPrice;
    const instrument = this.ctx.state.instruments.get(intent.symbol);
    if (delta === 0 || !instrument) return intent;
    const move = (x: number) => roundPrice(x + delta, instrument);
    const p = this.protection.get(intent.symbol);
    if (p && intent.side === 'buy') this.setProtection(intent.symbol, { ...p, stop: move(p.stop), target: move(p.target) });
    return { ...intent, refPrice: price, bracket: intent.bracket ? { stopLoss: move(intent.bracket.stopLoss), takeProfit: move(intent.bracket.takeProfit) } : intent.bracket };
  }

  private setProtection(symbol: string, p: PositionProtection | null): void {
    if (p) this.protection.set(symbol, p);
    else this.protection.delete(symbol);
    const all = Object.fromEntries(this.protection);
    void this.write(() => this.deps.store.setMeta(PROTECTION_META_KEY, all));
  }

  /**
   * The local stop watchdog of positions Alpaca cannot bracket: at or through the stop (or the
   * target) on a bar's range, one market exit. While that exit is working nothing else is sent;
   * if it ends unfilled, the next bar that is still through the level sends a new one.
   */
  private watchProtection(symbol: string, bar: Bar): void {
    const p = this.protection.get(symbol);
    if (!p) return;
    const s = this.ctx.state;
    const held = s.positions.get(symbol)?.qty ?? 0;
    const working = [...s.openOrders.values()].filter((o) => o.symbol === symbol);
    if (held <= 0) {
      if (working.length === 0 && !this.approvals.hasPendingFor(symbol)) this.setProtection(symbol, null);
      return;
    }
    // a working sell is the exit already sent (or one the user placed): never a second one
    if (p.kind !== 'local-watchdog' || working.some((o) => o.side === 'sell') || s.tradingState.state === 'halted') return;
    const reason =
      bar.l <= p.stop ? `local stop watchdog: stop hit at ${bar.l} (stop ${p.stop})` : bar.h >= p.target ? `local stop watchdog: target hit at ${bar.h} (target ${p.target})` : null;
    if (!reason) return;
    const intent: OrderIntent = {
      intentKey: `watchdog:${symbol}:sell:${bar.t}`,
      symbol,
      side: 'sell',
      type: 'market',
      qty: held,
      limitPrice: null,
      origin: 'strategy',
      strategyId: s.settings.strategy.id,
      reason,
      refPrice: bar.c,
      barTime: bar.t,
    };
    this.audit('signal', `${symbol}: ${reason} -> SELL ${held}`, { protection: p, bar, intentKey: intent.intentKey });
    void this.orders.submit(intent).then((r) => {
      if (!r.ok) this.audit('error', `Watchdog exit for ${symbol} not placed: ${r.error.message}`, { intentKey: intent.intentKey });
    }, (e: unknown) => this.failure(e, 'submitting a watchdog exit'));
  }

  /** Positions as the UI shows them: with their protective levels, and who holds them. */
  private positionViews(views: PositionView[]): PositionView[] {
    const legsOpen = new Set<string>();
    for (const o of this.ctx.state.openOrders.values()) if (this.orders.isBracketLeg(o)) legsOpen.add(o.symbol);
    return views.map((v) => {
      const p = v.qty > 0 ? this.protection.get(v.symbol) : undefined;
      // a bracket whose legs are gone (cancelled by the emergency stop, say) protects nothing
      return p && (p.kind === 'local-watchdog' || legsOpen.has(v.symbol)) ? { ...v, protection: p } : v;
    });
  }

  private riskContext(symbol: string, price: number) {
    const s = this.ctx.state;
    const instrument = s.instruments.get(symbol);
    if (!instrument) throw new InvariantError(`risk check for unknown symbol ${symbol}`);
    return {
      settings: s.settings.risk,
      tradingState: s.tradingState.state,
      account: s.account,
      positions: s.positions,
      openOrders: s.openOrders.values(),
      instrument,
      price,
      recentOrderTimes: s.recentOrderTimes,
      now: this.deps.clock.now(),
      environment: this.deps.broker.status.environment,
      market: this.marketView,
    };
  }

  private recheck(intent: OrderIntent, price: number): { ok: true } | { ok: false; reason: string } {
    const d = checkOrder(this.riskContext(intent.symbol, price), { symbol: intent.symbol, side: intent.side, qty: intent.qty });
    return d.approved ? { ok: true } : { ok: false, reason: d.reason };
  }

  /** The order's limits on the current state, with the order itself taken out of what it is checked against. */
  private recheckBeforeSend(intent: OrderIntent, reserved: OrderRecord): string | null {
    // a limit order is valued at its limit, as when it was first checked
    const price = intent.limitPrice ?? this.deps.market.lastPrice(intent.symbol) ?? intent.refPrice;
    const base = this.riskContext(intent.symbol, price);
    const times = [...this.ctx.state.recentOrderTimes];
    const own = times.lastIndexOf(reserved.createdAt);
    if (own >= 0) times.splice(own, 1);
    const openOrders = [...this.ctx.state.openOrders.values()].filter((o) => o.clientOrderId !== reserved.clientOrderId);
    const d = checkOrder({ ...base, openOrders, recentOrderTimes: times }, { symbol: intent.symbol, side: intent.side, qty: intent.qty });
    return d.approved ? null : d.reason;
  }

  private rebuildStrategies(): void {
    const { fast, slow, symbols } = this.ctx.state.settings.strategy;
    const next = new Map<string, Strategy>();
    for (const symbol of symbols) {
      if (!this.ctx.state.instruments.has(symbol)) continue;
      const strategy = new SmaCross({ fast, slow });
      // Warm up on history without acting: signals from the past never become orders.
      for (const bar of this.deps.market.history(symbol, Math.max(STRATEGY_WARMUP_BARS, slow * 3))) strategy.onBar(bar);
      next.set(symbol, strategy);
    }
    this.strategies = next;
  }

  private markToMarket(force: boolean): void {
    const s = this.ctx.state;
    const now = this.deps.clock.now();
    const dayChanged = new Date(now).toISOString().slice(0, 10) !== new Date(s.account.updatedAt).toISOString().slice(0, 10);
    s.account = markAccount(s.account, s.account.cash, marketValue(s.positions.values(), (x) => this.deps.market.lastPrice(x)), now, dayChanged);
    this.breakers.onAccount();
    if (force || now - this.lastAccountEmit >= ACCOUNT_EMIT_MS) {
      this.lastAccountEmit = now;
      this.emit('account:updated', s.account);
      if (s.positions.size > 0) this.emit('positions:updated', [...s.positions.values()].map((p) => viewPosition(p, this.deps.market.lastPrice(p.symbol))));
    }
  }

  /**
   * Save the buffered bars of `symbols` (default: every symbol), at most `maxBars` bars in this
   * call, so a hundred symbols (or a full-speed simulator) are spread over several turns instead
   * of one long write on the engine thread. Returns the symbols that still have bars to save.
   */
  private flushBars(symbols: string[] = [...this.barBuffer.keys()], maxBars = Infinity, until = Infinity): string[] {
    this.lastBarFlush = this.deps.clock.now();
    const { store, market } = this.deps;
    let budget = maxBars;
    const done: string[] = [];
    const rest: string[] = [];
    // Bar history is not a record anything waits for: committed without waiting for the disk
    // (the fsync runs on the thread pool), so saving bars never holds the engine thread on it.
    const save = (fn: () => void): void => (store.batchDeferred ? store.batchDeferred(fn) : store.batch(fn));
    // dropped from the buffers once the transaction has committed: a failed save keeps them all
    const saved: [BarColumnBuffer, number][] = [];
    save(() => {
      for (const symbol of symbols) {
        const bars = this.barBuffer.get(symbol);
        if (budget <= 0 || performance.now() >= until) {
          if (bars && bars.length > 0) rest.push(symbol);
          continue;
        }
        if (bars && bars.length > budget) {
          // the oldest part now, the rest in the next turn (still the oldest of this symbol)
          store.saveBarColumns(symbol, market.timeframe, bars.oldest(budget));
          saved.push([bars, budget]);
          budget = 0;
          rest.push(symbol);
          continue;
        }
        const n = bars?.length ?? 0;
        if (bars && n > 0) {
          store.saveBarColumns(symbol, market.timeframe, bars.oldest(n));
          saved.push([bars, n]);
        }
        budget -= n;
        done.push(symbol);
      }
    });
    for (const [bars, n] of saved) bars.drop(n);
    // Map keeps insertion order: deleting and re-adding sends these symbols to the back
    for (const symbol of done) {
      const emptied = this.barBuffer.get(symbol);
      this.barBuffer.delete(symbol);
      if (emptied && emptied.length === 0) this.spareBarBuffers.set(symbol, emptied);
    }
    this.barsBuffered = 0;
    for (const b of this.barBuffer.values()) this.barsBuffered += b.length;
    store.syncDeferred?.().catch((e: unknown) => {
      if (!this.storageFailed(e, 'recent bar history (it is reloaded from the market where the market keeps it)')) this.ctx.log('error', 'making saved bars durable failed', e);
    });
    return rest;
  }

  /**
   * More is waiting for the disk than a producer should add to: unsaved bars, or turns waiting
   * for their fsync. A full-speed simulator waits while this holds (backpressure).
   */
  backlogged(): boolean {
    return this.barsBuffered >= BAR_BACKLOG_BARS || this.awaitingDisk.length >= BACKLOG_TURNS_AWAITING_DISK;
  }

  /**
   * A risk denial in the audit log: the first of its kind (symbol, side, rule) in full, repeats
   * within RISK_DENIAL_AUDIT_WINDOW_MS only counted, and the count written as one row when the
   * window has passed (at the next denial of the kind or at the housekeeping tick).
   */
  private auditDenial(symbol: string, side: string, rule: string, message: string, why: unknown): void {
    const now = this.deps.clock.now();
    const key = JSON.stringify([symbol, side, rule]);
    const open = this.denials.get(key);
    if (open && now - open.since < RISK_DENIAL_AUDIT_WINDOW_MS) {
      open.count++;
      open.last = now;
      open.message = message;
      return;
    }
    if (open) this.closeDenialWindow(key, open);
    this.denials.set(key, { symbol, side, rule, since: now, last: now, count: 0, message });
    this.audit('risk_denied', message, why);
  }

  private closeDenialWindow(key: string, w: DenialWindow): void {
    this.denials.delete(key);
    if (w.count === 0) return;
    const { symbol, side, rule, count } = w;
    this.audit(
      'risk_denied',
      `${count} more ${side.toUpperCase()} ${symbol} denial${count === 1 ? '' : 's'} by ${rule} between ${new Date(w.since).toISOString()} and ${new Date(w.last).toISOString()} (not written one by one); the last: ${w.message}`,
      { symbol, side, rule, count, from: w.since, to: w.last },
    );
  }

  /** Write the counts of denial windows that have passed (housekeeping). */
  private closeDenialWindows(now: number): void {
    for (const [key, w] of [...this.denials]) if (now - w.since >= RISK_DENIAL_AUDIT_WINDOW_MS) this.closeDenialWindow(key, w);
  }

  /** Ask the broker whether the account is active and allowed to trade (for the checklist). */
  async refreshAccountStatus(): Promise<void> {
    const a = await this.deps.broker.getAccount();
    if (!a.ok) return;
    const prev = this.ctx.state.brokerAccount;
    this.ctx.state.brokerAccount = { status: a.value.status ?? null, tradingBlocked: a.value.tradingBlocked ?? false, checkedAt: this.deps.clock.now() };
    if (a.value.tradingBlocked && !prev?.tradingBlocked) this.alert('critical', 'breaker_tripped', `The broker reports the account as blocked for trading (status ${a.value.status ?? 'unknown'})`);
  }

  /** Re-read the lab evidence of the enabled strategy (two indexed reads); the host calls it when lab results change. */
  refreshEvidence(): void {
    this.lastEvidence = this.deps.clock.now();
    try {
      const strategyId = this.ctx.state.settings.strategy.id;
      // a data directory belongs to one broker, so its equity curve was recorded on the broker in use
      const { kind, environment } = this.deps.broker.status;
      this.evidence = { ...this.deps.store.latestLabEvidence(strategyId), paper: { source: `${kind} (${environment})`, ...this.deps.store.paperRecord(strategyId) } };
    } catch (e) {
      this.ctx.log('warn', 'could not read the lab evidence for the readiness checklist', e);
      this.evidence = null;
    }
  }

  readiness(): ReadinessItem[] {
    return computeReadiness({
      state: this.ctx.state,
      evidence: this.evidence,
      broker: this.deps.broker.status,
      now: this.deps.clock.now(),
      expectedBarIntervalMs: this.deps.expectedBarIntervalMs ?? TIMEFRAME_MS[this.deps.market.timeframe],
      timeframe: this.deps.market.timeframe,
    });
  }

  /**
   * Resolves once every turn committed so far is on disk and its events are published (or its
   * fsync failed and that was reported). Turns are published in order, so waiting on the last
   * one waits on all of them.
   */
  whenSettled(): Promise<void> {
    const last = this.awaitingDisk.at(-1);
    if (!last) return Promise.resolve();
    return new Promise<void>((resolve) => last.after.push(resolve));
  }

  // ---------- plumbing ----------

  private emit<E extends EventName>(name: E, payload: EventTypes[E]): void {
    // Events keep the order they were emitted in: one emitted while earlier turns wait for the
    // disk goes out right after their publishes (a stale "accepted" must never follow "filled").
    const last = this.draining ? undefined : this.awaitingDisk.at(-1);
    if (last) {
      last.after.push(() => this.emit(name, payload));
      return;
    }
    // every positions payload (the order manager's included) carries the protective levels
    const event = (name === 'positions:updated' ? { name, payload: this.positionViews(payload as PositionView[]) } : { name, payload }) as EngineEvent;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.ctx.log('error', `event listener failed on ${name}`, e);
      }
    }
  }

  private emitStatus(): void {
    const s = this.ctx.state;
    this.emit('engine:status', { tradingState: s.tradingState, mode: s.mode, broker: this.deps.broker.status });
  }

  /**
   * A link going down or coming back is a fault the user must be able to see afterwards, not only
   * while the status line shows it: an alert when it goes, an audit entry when it is back.
   */
  private recordConnection(link: 'broker' | 'market data', wasDown: boolean, up: boolean, message: string): void {
    if (this.stopped || wasDown === !up) return;
    if (!up) {
      this.audit('error', `${link === 'broker' ? 'Broker' : 'Market data'} connection lost: ${message}`);
      this.alert(
        'warning',
        link === 'broker' ? 'broker_lost' : 'data_stale',
        link === 'broker'
          ? `Lost the connection to the broker (${message}). Orders and fills are reconciled with the broker when it is back.`
          : `Lost the market-data connection (${message}). Missed bars are fetched again when it is back.`,
      );
    } else {
      this.audit('recovery', `${link === 'broker' ? 'Broker' : 'Market data'} connection restored: ${message}${link === 'broker' ? '; reconciling with the broker' : ''}`);
    }
  }

  /** An alert: an audit record of kind 'alert', published (and shown as a notification) once written. */
  private alert(level: AlertLevel, kind: AlertKind, message: string): void {
    const input: AuditInput = { at: this.deps.clock.now(), kind: 'alert', message, data: { level, alertKind: kind } };
    let entry: AuditEntry | null = null;
    void this.write(
      () => (entry = this.deps.store.appendAudit(input)),
      () => {
        if (!entry) return;
        const a = toAlert(entry);
        this.recentAlerts = [a, ...this.recentAlerts].slice(0, 200);
        this.emit('alerts:raised', a);
        this.emit('audit:appended', entry);
      },
    );
  }

  /** Change the trading state durably (before it takes effect), then say so everywhere. */
  private setTradingState(rec: TradingStateRecord): void {
    const prev = this.ctx.state.tradingState;
    this.deps.store.saveTradingState(rec);
    this.ctx.state.tradingState = rec;
    this.audit('state_changed', `Trading ${prev.state} -> ${rec.state} (by ${rec.setBy}): ${rec.reason}`, { previous: prev, next: rec });
    this.emitStatus();
    this.emit('readiness:updated', this.readiness());
  }

  /** Audit records join the turn's group commit and are published once written. */
  private audit(kind: AuditKind, message: string, data?: unknown): void {
    const input: AuditInput = { at: this.deps.clock.now(), kind, message, data };
    let entry: AuditEntry | null = null;
    void this.write(
      () => (entry = this.deps.store.appendAudit(input)),
      () => entry && this.emit('audit:appended', entry),
    );
  }

  /**
   * Group commit: writes queued during one engine turn go to disk in one transaction at the
   * end of the turn (a microtask), then their events are published. One fsync per turn instead
   * of one per record is what keeps a busy engine thread inside its 10 ms budget, and nothing
   * is published (or sent, for callers that await) before it is durable.
   */
  private write(fn: () => void, publish?: () => void): Promise<void> {
    if (!this.turn) {
      let resolve: () => void = () => undefined;
      let reject: (e: unknown) => void = () => undefined;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Most callers do not wait (`void this.write(...)`): a failed commit is handled in
      // commit() itself, and must not also surface as an unhandled rejection, which ends the
      // process. Callers that await still see the rejection.
      done.catch(() => undefined);
      this.turn = { writes: [], publishes: [], after: [], done, resolve, reject };
      queueMicrotask(() => {
        try {
          this.commit('deferred');
        } catch (e) {
          this.ctx.log('error', 'group commit failed', e);
        }
      });
    }
    this.turn.writes.push(fn);
    if (publish) this.turn.publishes.push(publish);
    return this.turn.done;
  }

  /**
   * Commit the turn's writes. If the store refuses them, nothing of the turn is kept or
   * published, everyone awaiting the turn (an order waiting for its journal row) sees the
   * failure, and a refusal by the disk halts trading (storageFailed). Throws the store's error.
   *
   * 'deferred' (the end of every engine turn): the transaction is committed here, but its fsync
   * runs on libuv's thread pool (Store.batchDeferred/syncDeferred): a disk that takes 10 or 100
   * ms to sync no longer holds the engine thread (the kill switch, the next bar). The turn is
   * settled (awaiters resolved, so an order is sent only once its journal row is on disk; events
   * published) when the disk has it, in commit order. 'now' (a fill's write, shutdown): durable
   * before this returns, which also makes every deferred turn before it durable.
   */
  private commit(mode: 'deferred' | 'now' = 'now'): void {
    const turn = this.turn;
    this.turn = null;
    // after a storage failure, the first commit that goes through also saves the trading
    // state (the halt) that the failed commits could not
    const resave = this.storageFailure !== null;
    if (!turn && !resave) return;
    const writes = turn?.writes ?? [];
    const store = this.deps.store;
    const deferred = mode === 'deferred' && !resave && store.batchDeferred !== undefined && store.syncDeferred !== undefined;
    const run = (): void => {
      for (const w of writes) w();
      if (resave) store.saveTradingState(this.ctx.state.tradingState);
    };
    try {
      if (deferred) store.batchDeferred!(run);
      // a synchronous commit fsyncs the WAL, and with it every deferred commit before it
      else store.batch(run);
    } catch (e) {
      turn?.reject(e);
      this.storageFailed(e, `${writes.length} record${writes.length === 1 ? '' : 's'} of the last engine turn (journal, audit, status changes)`);
      throw e;
    }
    if (resave) this.storageRecovered();
    if (!turn) return;
    this.awaitingDisk.push(turn);
    if (!deferred) {
      this.settleThrough(turn);
      return;
    }
    store.syncDeferred!().then(
      () => this.settleThrough(turn),
      (e: unknown) => this.durabilityFailed(turn, e),
    );
  }

  /** `turn` and every turn committed before it are on disk: resolve and publish them, oldest first. */
  private settleThrough(turn: PendingTurn): void {
    const i = this.awaitingDisk.indexOf(turn);
    if (i < 0) return;
    const ready = this.awaitingDisk.splice(0, i + 1);
    this.draining = true;
    try {
      for (const t of ready) {
        t.resolve();
        for (const p of [...t.publishes, ...t.after]) this.publishSafely(p);
      }
    } finally {
      this.draining = false;
    }
  }

  private publishSafely(p: () => void): void {
    try {
      p();
    } catch (e) {
      this.ctx.log('error', 'publishing a committed turn failed', e);
    }
  }

  /**
   * The fsync of a deferred turn failed: its rows are in the database file but may not survive
   * a power cut, so it counts as not saved: awaiters see the failure (an order is not sent),
   * nothing of it is published, and trading halts for the disk. Events emitted after it (not
   * records of its own) still go out.
   */
  private durabilityFailed(turn: PendingTurn, e: unknown): void {
    const i = this.awaitingDisk.indexOf(turn);
    if (i < 0) return;
    const failed = this.awaitingDisk.splice(0, i + 1);
    for (const t of failed) t.reject(e);
    const records = failed.reduce((n, t) => n + t.writes.length, 0);
    if (!this.storageFailed(e, `${records} record${records === 1 ? '' : 's'} of the last engine turns (journal, audit, status changes)`)) {
      this.ctx.log('error', 'making the last engine turns durable failed', e);
    }
    this.draining = true;
    try {
      for (const t of failed) for (const p of t.after) this.publishSafely(p);
    } finally {
      this.draining = false;
    }
  }

  /**
   * The disk refused a write (full, read-only, I/O error). What the engine holds in memory may
   * now be ahead of the disk, so no new order goes out: trading is halted and latched in memory
   * (it cannot be saved yet; the first commit that succeeds saves it), and the user is told, once
   * per episode, what happened, what was not saved and what to do. Orders never go out without
   * their journal row (OrderManager awaits it), cancels and the emergency stop still work.
   * Returns whether `e` was such a failure.
   */
  private storageFailed(e: unknown, lost: string): boolean {
    const failure = storageFailureOf(e);
    if (failure === null) return false;
    const s = this.ctx.state;
    const now = this.deps.clock.now();
    const where = typeof (e as { file?: unknown }).file === 'string' ? (e as { file: string }).file : 'the database';
    const code = String((e as { code?: unknown }).code);
    const what =
      failure === 'disk_full'
        ? `the disk holding ${where} is full (${code})`
        : failure === 'read_only'
          ? `the data directory or ${where} is read-only (${code})`
          : `the disk reported an I/O error writing ${where} (${code})`;
    const todo =
      failure === 'disk_full'
        ? 'Free space on that disk'
        : failure === 'read_only'
          ? 'Make the data directory and its files writable again (permissions, or remount it read-write)'
          : 'Check the disk and the free space on it';
    this.ctx.log('error', `store write failed: ${what}; not saved: ${lost}`, e);
    if (s.tradingState.state !== 'halted') {
      s.tradingState = { state: 'halted', setBy: 'system', reason: `storage failure: ${what}`, at: now, latched: true };
      s.mode = 'manual';
      this.emitStatus();
    }
    if (this.storageFailure !== null) return true;
    const message =
      `Trading halted: ${what}. Not saved: ${lost}; an order whose journal entry was not saved was NOT sent to the broker. ` +
      `The halt itself could not be saved yet. Orders and positions at the broker are unaffected and will be reconciled. ` +
      `${todo}, then re-arm trading. The emergency stop still works meanwhile (cancels and closes go to the broker).`;
    this.storageFailure = { at: now, message };
    // It cannot be written as an audit record (that is what failed): shown from memory, with an
    // id no audit record has, between the last audit id and the next one, so that lists sorted
    // by id and "seen up to id" treat it like the record it would have been. Reads still work.
    let lastAuditId = 0;
    try {
      lastAuditId = this.deps.store.listAudit(1)[0]?.id ?? 0;
    } catch {
      // an unreadable store too: the alert still goes out
    }
    const alert: Alert = { id: lastAuditId + 0.5, at: now, level: 'critical', kind: 'storage_failed', message };
    this.recentAlerts = [alert, ...this.recentAlerts].slice(0, 200);
    this.emit('alerts:raised', alert);
    return true;
  }

  /** A commit went through after a storage failure: the halt is now saved; say so. */
  private storageRecovered(): void {
    const since = this.storageFailure?.at ?? this.deps.clock.now();
    this.storageFailure = null;
    const halted = this.ctx.state.tradingState.state === 'halted';
    this.audit('recovery', `The database accepts writes again (refused since ${new Date(since).toISOString()}); trading state ${this.ctx.state.tradingState.state} saved.${halted ? ' Re-arm to trade again.' : ''}`);
  }

  /**
   * Work the engine starts and does not wait for (reconciliation, account reads): a failure is
   * logged, audited and shown like any engine error, never left as an unhandled rejection, which
   * would end the whole process.
   */
  private background(work: Promise<unknown>, what: string): void {
    work.catch((e: unknown) => this.failure(e, what));
  }

  /** Run engine work; a broken invariant halts trading instead of continuing on bad state. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.failure(e, 'processing');
    }
  }

  private failure(e: unknown, what: string): Result<never> {
    const message = e instanceof Error ? e.message : String(e);
    // a write the disk refused outside the group commit (a fill, a state change): same halt and alert
    if (this.storageFailed(e, `what was being written while ${what} (bar history, a fill, an order status or the trading state; the broker keeps its own record of fills and orders, reconciled at the next start)`)) {
      return err('internal', `${what} failed: ${message}. Trading is halted until the disk accepts writes again and you re-arm.`);
    }
    this.ctx.log('error', `engine error while ${what}: ${message}`, e);
    try {
      this.audit('error', `Error while ${what}: ${message}`);
    } catch {
      // the store itself may be what failed; the log line above still records it
    }
    if (e instanceof InvariantError && this.ctx.state.tradingState.state !== 'halted') {
      this.killSwitch.engage('breaker', false).catch((stopError: unknown) => {
        this.ctx.log('error', 'the emergency stop after a broken invariant failed', stopError);
      });
    }
    return err('internal', `internal error while ${what}: ${message}`);
  }

  private buildHandlers(): Handlers {
    const s = () => this.ctx.state;
    return {
      'app:snapshot': () => ok(this.snapshot()),
      'bars:history': ({ symbol, limit }) => {
        if (!s().instruments.has(symbol)) return err('unknown_symbol', `unknown symbol ${symbol}; known: ${[...s().instruments.keys()].join(', ')}`);
        return ok({ symbol, timeframe: this.deps.market.timeframe, bars: this.deps.market.history(symbol, limit), fills: this.deps.store.fillsForSymbol(symbol, 500) });
      },
      // the transport keeps each client's watch (it filters bars:tick per client); the engine
      // checks the symbols, so a typo is an error rather than a chart that never moves
      'bars:watch': ({ symbols }) => {
        const unknown = symbols.filter((x) => !s().instruments.has(x));
        if (unknown.length > 0) return err('unknown_symbol', `unknown symbol${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${[...s().instruments.keys()].join(', ')}`);
        return ok({ symbols: [...new Set(symbols)] });
      },
      'orders:approve': async ({ approvalId }) => {
        const r = await this.approvals.approve(approvalId);
        return r.ok ? ok(r.order) : r;
      },
      'orders:reject': ({ approvalId, reason }) => {
        const r = this.approvals.reject(approvalId, reason);
        return r.ok ? ok(r.approval) : r;
      },
      'orders:submit': async (p) => {
        const instrument = s().instruments.get(p.symbol);
        if (!instrument) return err('unknown_symbol', `unknown symbol ${p.symbol}; known: ${[...s().instruments.keys()].join(', ')}`);
        const price = this.deps.market.lastPrice(p.symbol);
        if (price === null) return err('unknown_symbol', `no price for ${p.symbol} yet`);
        if (p.limitPrice !== undefined && Math.abs(roundPrice(p.limitPrice, instrument) - p.limitPrice) > 1e-9) {
          return err('invalid_request', `limit price ${p.limitPrice} is not a multiple of ${p.symbol}'s price step ${instrument.priceIncrement}; use ${roundPrice(p.limitPrice, instrument)}`);
        }
        const refPrice = p.limitPrice ?? price;
        const decision = checkOrder(this.riskContext(p.symbol, refPrice), { symbol: p.symbol, side: p.side, qty: p.qty });
        if (!decision.approved) {
          this.audit('risk_denied', `Manual ${p.side} ${p.qty} ${p.symbol} denied: ${decision.reason}`, { checks: decision.checks });
          return err(decision.checks.find((c) => !c.passed)?.rule === 'trading_state' && s().tradingState.state === 'halted' ? 'halted' : 'risk_denied', decision.reason);
        }
        const now = this.deps.clock.now();
        const r = await this.orders.submit({
          intentKey: `manual:${p.symbol}:${p.side}:${now}:${this.manualSeq++}`,
          symbol: p.symbol,
          side: p.side,
          type: p.type,
          qty: p.qty,
          limitPrice: p.limitPrice ?? null,
          origin: 'manual',
          strategyId: null,
          reason: 'manual order ticket',
          refPrice,
          barTime: null,
        });
        return r.ok ? ok(r.order) : r;
      },
      'orders:cancel': async ({ clientOrderId }) => {
        const r = await this.orders.cancel(clientOrderId);
        return r.ok ? ok(r.order) : r;
      },
      'orders:list': ({ scope, limit }) =>
        ok(scope === 'open' ? [...s().openOrders.values()].slice(0, limit) : this.deps.store.listOrders('all', limit)),
      'supervisor:set_mode': ({ mode }) => {
        if (mode === 'autonomous' && s().tradingState.state === 'halted') {
          return err('halted', 'trading is halted by the emergency stop; re-arm it before enabling autonomous mode');
        }
        if (mode === 'autonomous') {
          const env = this.deps.broker.status.environment;
          const blocking = blockingItems(this.readiness(), env, 'autonomous');
          if (blocking.length > 0) {
            return err('conflict', `autonomous mode on a ${env} account needs ${env === 'live' ? 'every readiness item' : 'the safety items of the readiness checklist'} green; blocking: ${describeBlocking(blocking)}`);
          }
        }
        const open = this.reconciler.unresolved();
        if (mode === 'autonomous' && open.length > 0) {
          return err('conflict', `autonomous mode is locked: ${open.length} reconciliation difference(s) with the broker are unresolved (${open.map((i) => i.description).slice(0, 3).join('; ')}). Adopt, ignore or close each on the Reconciliation screen.`);
        }
        if (s().mode !== mode) {
          s().mode = mode;
          this.audit('mode_changed', `Mode set to ${mode}`, { mode });
          // In autonomous mode the engine decides: proposals still waiting for a person are
          // withdrawn, or they would hold their symbols until they expire.
          if (mode === 'autonomous') this.approvals.rejectAll('withdrawn: autonomous mode decides on new signals');
          this.emitStatus();
        }
        return ok({ mode });
      },
      'killswitch:engage': async ({ flatten, source }) => ok(await this.killSwitch.engage(source, flatten ?? s().settings.flattenOnStop)),
      'killswitch:rearm': ({ reason }) => {
        const cur = s().tradingState;
        if (cur.state === 'active' && !cur.latched) return err('conflict', 'trading is already active; nothing to re-arm');
        if (this.killSwitch.inProgress) return err('conflict', 'the emergency stop is still running; wait for it to finish before re-arming');
        const rec: TradingStateRecord = { state: 'active', setBy: 'user', reason, at: this.deps.clock.now(), latched: false };
        s().mode = 'manual';
        this.setTradingState(rec);
        return ok(rec);
      },
      'killswitch:drill': async () => {
        const env = this.deps.broker.status.environment;
        if (env === 'live') return err('conflict', 'the emergency-stop drill runs on the simulator or a paper account only, never on a live account');
        if (s().tradingState.state !== 'active') {
          return err('conflict', `trading is ${s().tradingState.state}; re-arm first, then run the drill (it ends by re-arming)`);
        }
        const report = await this.killSwitch.engage('drill', s().settings.flattenOnStop);
        s().lastDrill = report;
        this.deps.store.setMeta('lastDrill', report);
        if (report.status === 'confirmed') {
          this.setTradingState({ state: 'active', setBy: 'system', reason: `emergency-stop drill passed in ${report.finishedAt !== null ? report.finishedAt - report.requestedAt : '?'} ms; re-armed`, at: this.deps.clock.now(), latched: false });
        } else {
          this.alert('critical', 'stop_failed', 'The emergency-stop drill did not confirm: trading stays halted. Check the broker, then re-arm.');
        }
        return ok(report);
      },
      'orders:approve_next': ({ count }) => {
        this.autoApproveRemaining = count;
        this.audit('mode_changed', count > 0 ? `The next ${count} proposals will be approved automatically (still risk-checked)` : 'Automatic approval cleared', { count });
        this.emit('supervisor:auto_approve', { remaining: count });
        return ok({ remaining: count });
      },
      'reconcile:list': () => ok(s().reconciliation),
      'reconcile:run': async () => ok(await this.reconciler.run('requested')),
      'reconcile:resolve': async ({ id, action }) => {
        const r = await this.reconciler.resolve(id, action);
        if (!r.ok) return err(r.code, r.message);
        this.emit('readiness:updated', this.readiness());
        return ok(r.item);
      },
      'alerts:list': ({ limit }) => ok(this.deps.store.listAuditOfKind('alert', limit).map(toAlert)),
      'settings:get': () => ok(s().settings),
      'settings:update': ({ patch }) => {
        const cur = s().settings;
        const merged: Settings = {
          risk: { ...cur.risk, ...patch.risk },
          strategy: { ...cur.strategy, ...patch.strategy },
          readiness: { ...cur.readiness, ...patch.readiness },
          approvalTimeoutSec: patch.approvalTimeoutSec ?? cur.approvalTimeoutSec,
          flattenOnStop: patch.flattenOnStop ?? cur.flattenOnStop,
          deadMan: { ...cur.deadMan, ...patch.deadMan },
        };
        const parsed = SettingsSchema.safeParse(merged);
        if (!parsed.success) return err('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        const r = merged.risk;
        if (r.dailyLossAlertPct > r.dailyLossReducePct) {
          return err('invalid_request', `risk.dailyLossAlertPct (${r.dailyLossAlertPct}) must not be above risk.dailyLossReducePct (${r.dailyLossReducePct}): the alert comes first`);
        }
        if (r.drawdownAlertPct > r.drawdownHaltPct) {
          return err('invalid_request', `risk.drawdownAlertPct (${r.drawdownAlertPct}) must not be above risk.drawdownHaltPct (${r.drawdownHaltPct}): the alert comes first`);
        }
        if (merged.strategy.fast >= merged.strategy.slow) {
          return err('invalid_request', `strategy.fast (${merged.strategy.fast}) must be smaller than strategy.slow (${merged.strategy.slow})`);
        }
        const unknown = merged.strategy.symbols.filter((x) => !s().instruments.has(x));
        if (unknown.length > 0) return err('unknown_symbol', `unknown symbols in strategy.symbols: ${unknown.join(', ')}`);
        this.deps.store.saveSettings(merged);
        s().settings = merged;
        const strategyChanged = JSON.stringify(cur.strategy) !== JSON.stringify(merged.strategy);
        if (strategyChanged) this.rebuildStrategies();
        this.audit('settings_changed', 'Settings changed', { before: cur, after: merged });
        this.emit('readiness:updated', this.readiness());
        return ok(merged);
      },
      'audit:list': ({ limit, beforeId }) => ok(this.deps.store.listAudit(limit, beforeId)),
      'equity:curve': ({ limit }) => ok(this.deps.store.equityCurve(limit)),
      'readiness:get': () => ok(this.readiness()),
      // the host (electron/host-metrics.ts) and the headless transport fill in their own sections
      'app:metrics': () => {
        const barBuffer = this.barsBuffered;
        return ok({
          at: this.deps.clock.now(),
          engine: {
            pendingWrites: this.turn?.writes.length ?? 0,
            pendingPublishes: (this.turn?.publishes.length ?? 0) + this.awaitingDisk.reduce((n, t) => n + t.publishes.length + t.after.length, 0),
            barBuffer,
            approvals: s().approvals.size,
            alerts: this.recentAlerts.length,
            openOrders: s().openOrders.size,
            recentOrderTimes: s().recentOrderTimes.length,
            listeners: this.listeners.size,
          },
          host: null,
          transport: null,
        });
      },
    };
  }
}

function toAlert(e: AuditEntry): Alert {
  const d = (e.data ?? {}) as { level?: AlertLevel; alertKind?: AlertKind };
  return { id: e.id, at: e.at, level: d.level ?? 'warning', kind: d.alertKind ?? 'breaker_tripped', message: e.message };
}

/** One engine turn's queued writes, their publications, and the promise its awaiters hold. */
/** repeated denials of one kind being counted (see RISK_DENIAL_AUDIT_WINDOW_MS) */
interface DenialWindow {
  symbol: string;
  side: string;
  rule: string;
  since: number;
  last: number;
  count: number;
  /** the latest denial's message, quoted in the summary */
  message: string;
}

interface PendingTurn {
  writes: (() => void)[];
  publishes: (() => void)[];
  /** events emitted after this turn was committed, while it waited for the disk */
  after: (() => void)[];
  done: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Whether an error is the disk or the file system refusing a write, read from SQLite's result
 * code (on better-sqlite3's errors and on the store's StoreWriteError). engine/ does not import
 * db/, so the codes are matched here.
 */
function storageFailureOf(e: unknown): 'disk_full' | 'read_only' | 'io' | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL') return 'disk_full';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') return 'read_only';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'io';
  return null;
}
