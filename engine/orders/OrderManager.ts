// OrderManager: the only path to the broker. Every intent is journaled (durable, deterministic
// client_order_id) BEFORE it is sent, so a retry or a restart looks the order up by that id and
// never sends it twice. Broker events are journaled before they are published.
import type { ApiError } from '../api/contract';
import type { Fill, OrderIntent, OrderRecord, OrderStatus } from '../domain/types';
import { isOpenStatus } from '../domain/types';
import type { EngineContext } from '../context';
import type { BrokerEvent, BrokerOrder, OrderPatch } from '../ports';
import { applyFillToPosition, cashAfterFill, markAccount, marketValue, viewPosition } from '../portfolio/Portfolio';
import { assertNever } from '../util/assert';
import { clientOrderIdFor } from './clientOrderId';

/** Order statuses only move forward; a late or replayed event never undoes a later state. */
function rank(s: OrderStatus): number {
  switch (s) {
    case 'pending_submit':
      return 0;
    case 'accepted':
      return 1;
    case 'partially_filled':
      return 2;
    case 'pending_cancel':
      return 3;
    case 'filled':
    case 'canceled':
    case 'rejected':
    case 'expired':
    case 'unsent':
      return 4;
    default:
      return assertNever(s, 'order status');
  }
}

const BRACKET_LEGS_META_KEY = 'bracketLegParents';

/** how long a strategy exit waits for its bracket legs' cancel confirmations, and in how many looks */
const LEG_CANCEL_WAIT_MS = 5000;
const LEG_CANCEL_POLLS = 100;

export type SubmitResult = { ok: true; order: OrderRecord } | { ok: false; error: ApiError };

export class OrderManager {
  /** executions applied so far; submit compares it across its journal wait */
  private fillsApplied = 0;
  /** open bracket legs reported nested in their entry: leg client id -> entry client id (persisted) */
  private readonly legParents: Map<string, string>;
  private readonly inFlight = new Set<string>();

  /**
   * @param gate refuses an intent before anything is journaled (the readiness gate of a live
   *   account); the emergency stop's own orders are never gated
   */
  constructor(
    private readonly ctx: EngineContext,
    private readonly gate: (intent: OrderIntent) => ApiError | null = () => null,
    private readonly recheck: (intent: OrderIntent, reserved: OrderRecord) => string | null = () => null,
  ) {
    this.legParents = new Map(Object.entries(ctx.store.getMeta<Record<string, string>>(BRACKET_LEGS_META_KEY) ?? {}));
  }

  /** Journal, then send. Resolves once the broker answered (or the answer is known to be lost). */
  async submit(intent: OrderIntent): Promise<SubmitResult> {
    // From the reservation to the broker's last answer the order's fate is being decided here:
    // reconciliation must not conclude "never arrived" from a lookup made meanwhile.
    const id = clientOrderIdFor(intent.intentKey);
    const already = this.inFlight.has(id);
    this.inFlight.add(id);
    try {
      return await this.send(intent);
    } finally {
      if (!already) this.inFlight.delete(id);
    }
  }

  /** Orders whose submit is still being decided (see submit). */
  isInFlight(clientOrderId: string): boolean {
    return this.inFlight.has(clientOrderId);
  }

  /** Open in the journal with their fate unknown (a submit whose answer never came): reconciliation resolves them. */
  hasUncertain(): boolean {
    for (const o of this.ctx.state.openOrders.values()) if (o.status === 'pending_submit' && !this.inFlight.has(o.clientOrderId)) return true;
    return false;
  }

  private async send(intent: OrderIntent): Promise<SubmitResult> {
    const { ctx } = this;
    if (ctx.state.tradingState.state === 'halted' && intent.origin !== 'killswitch') {
      return { ok: false, error: { code: 'halted', message: 'trading is halted by the emergency stop; re-arm it before placing orders' } };
    }
    const refused = intent.origin === 'killswitch' ? null : this.gate(intent);
    if (refused) return { ok: false, error: refused };
    // Only an exit over resting legs waits here: any other intent must reach the in-memory
    // reservation below in this same turn, so later checks of this turn count it.
    const legs = intent.origin === 'strategy' ? this.bracketLegsBlockingExit(intent) : [];
    if (legs.length > 0) {
      const legsRefused = await this.cancelBracketLegsBeforeExit(intent, legs);
      if (legsRefused) return { ok: false, error: legsRefused };
    }
    const now = ctx.clock.now();
    const clientOrderId = clientOrderIdFor(intent.intentKey);
    const record: OrderRecord = {
      clientOrderId,
      brokerOrderId: null,
      symbol: intent.symbol,
      side: intent.side,
      type: intent.type,
      qty: intent.qty,
      limitPrice: intent.limitPrice,
      stopPrice: null,
      tif: 'day',
      status: 'pending_submit',
      filledQty: 0,
      avgFillPrice: null,
      origin: intent.origin,
      strategyId: intent.strategyId,
      reason: intent.reason,
      statusReason: null,
      createdAt: now,
      updatedAt: now,
      bracket: intent.bracket ?? null,
    };
    // crypto trades around the clock: Alpaca refuses 'day' orders for it
    if (ctx.state.instruments.get(intent.symbol)?.assetClass === 'crypto') record.tif = 'gtc';
    if (ctx.state.openOrders.has(clientOrderId)) {
      return { ok: false, error: { code: 'conflict', message: `this decision already produced order ${clientOrderId}; it is never sent twice` } };
    }
    // Reserve it in memory now, before waiting for the journal: a check made later in this same
    // turn must count this order (open positions, buying power, the order rate).
    ctx.state.openOrders.set(clientOrderId, record);
    const times = ctx.state.recentOrderTimes;
    times.push(now);
    while (times.length > 0 && (times[0] as number) <= now - 60_000) times.shift();
    // Journal first: the intent is committed (with everything else this turn decided, in one
    // fsync) before the broker hears of it.
    let inserted: 'inserted' | 'duplicate' = 'duplicate';
    const fillsBefore = this.fillsApplied;
    const priceBefore = ctx.market.lastPrice(intent.symbol);
    try {
      await ctx.write(() => (inserted = ctx.store.insertOrder(record)));
    } catch (e) {
      ctx.state.openOrders.delete(clientOrderId);
      // The disk refused the journal row (the engine has halted trading for it): not sent, and
      // the caller is told why rather than getting an internal error.
      if (ctx.state.tradingState.state === 'halted') {
        const why = e instanceof Error ? e.message : String(e);
        return { ok: false, error: { code: 'halted', message: `not sent: its journal entry could not be saved (${why}); trading is halted until the disk accepts writes again and you re-arm` } };
      }
      throw e;
    }
    if (inserted === 'duplicate') {
      ctx.state.openOrders.delete(clientOrderId);
      ctx.audit('order_updated', `Not sent again: intent ${intent.intentKey} already produced order ${clientOrderId}`, { clientOrderId });
      return { ok: false, error: { code: 'conflict', message: `this decision already produced order ${clientOrderId}; it is never sent twice` } };
    }
    ctx.emit('orders:updated', record);
    // The emergency stop may have been pressed while the journal was committing: nothing
    // reaches the broker after a halt.
    if (ctx.state.tradingState.state === 'halted' && intent.origin !== 'killswitch') {
      this.patch(clientOrderId, { status: 'unsent', statusReason: 'emergency stop pressed before it was sent', updatedAt: ctx.clock.now() });
      return { ok: false, error: { code: 'halted', message: 'trading was halted by the emergency stop before this order was sent; it was not sent' } };
    }
    // A fill applied while the journal was committing (a bracket leg, a stop) moved equity and
    // positions after the caller checked the limits, and a new bar moved the price the order is
    // valued at (the commit's fsync runs off-thread, so bars keep coming meanwhile): check them
    // again on the state the broker will actually see. Without either, the caller's check holds.
    const moved = this.fillsApplied !== fillsBefore || ctx.market.lastPrice(intent.symbol) !== priceBefore;
    const refusedNow = intent.origin === 'killswitch' || !moved ? null : this.recheck(intent, record);
    if (refusedNow) {
      this.patch(clientOrderId, { status: 'unsent', statusReason: `risk re-check before sending: ${refusedNow}`, updatedAt: ctx.clock.now() });
      ctx.audit('risk_denied', `${intent.side.toUpperCase()} ${intent.qty} ${intent.symbol} not sent: ${refusedNow} (re-checked before sending)`, { clientOrderId });
      return { ok: false, error: { code: 'risk_denied', message: `not sent: ${refusedNow}` } };
    }
    ctx.audit('order_submitted', `${intent.side.toUpperCase()} ${intent.qty} ${intent.symbol} ${intent.type}: ${intent.reason}`, { clientOrderId, intent });

    const res = await ctx.broker.submitOrder({
      clientOrderId,
      symbol: record.symbol,
      side: record.side,
      type: record.type,
      qty: record.qty,
      limitPrice: record.limitPrice,
      stopPrice: null,
      tif: record.tif,
      bracket: record.bracket ?? null,
    });
    if (res.ok) {
      this.applyBrokerOrder(res.value, null);
      return { ok: true, order: this.current(clientOrderId) ?? record };
    }
    if (res.kind === 'rejected') {
      this.patch(clientOrderId, { status: 'rejected', statusReason: res.message, updatedAt: ctx.clock.now() });
      ctx.audit('order_updated', `Order ${clientOrderId} rejected by the broker: ${res.message}`, { clientOrderId });
      ctx.alert('warning', 'order_rejected', `${record.side.toUpperCase()} ${record.qty} ${record.symbol} was rejected by the broker: ${res.message}`);
      return { ok: false, error: { code: 'broker_error', message: `the broker rejected the order: ${res.message}` } };
    }
    // The answer was lost or the broker failed: the order may or may not exist. Ask by id.
    const found = await ctx.broker.getOrderByClientId(clientOrderId);
    if (found.ok && found.value) {
      this.applyBrokerOrder(found.value, null);
      return { ok: true, order: this.current(clientOrderId) ?? record };
    }
    if (found.ok && !found.value) {
      this.patch(clientOrderId, { status: 'unsent', statusReason: `not placed: ${res.message}`, updatedAt: ctx.clock.now() });
      ctx.audit('order_updated', `Order ${clientOrderId} not placed: ${res.message}`, { clientOrderId });
      return { ok: false, error: { code: 'broker_error', message: `the order was not placed: ${res.message}` } };
    }
    ctx.audit('error', `Order ${clientOrderId} state unknown (${res.message}); it will be reconciled, never resent`, { clientOrderId });
    return { ok: false, error: { code: 'broker_error', message: `the broker did not answer (${res.message}); the order will be looked up by its id, never resent` } };
  }

  async cancel(clientOrderId: string): Promise<SubmitResult> {
    const order = this.ctx.state.openOrders.get(clientOrderId);
    if (!order) {
      const known = this.ctx.store.getOrder(clientOrderId);
      return known
        ? { ok: false, error: { code: 'conflict', message: `order ${clientOrderId} is already ${known.status}` } }
        : { ok: false, error: { code: 'not_found', message: `no order with id ${clientOrderId}` } };
    }
    const res = await this.ctx.broker.cancelOrder(clientOrderId);
    if (!res.ok && res.kind !== 'not_found') {
      return { ok: false, error: { code: 'broker_error', message: `cancel failed: ${res.message}` } };
    }
    if (this.ctx.state.openOrders.has(clientOrderId)) {
      this.patch(clientOrderId, { status: res.ok ? 'pending_cancel' : 'canceled', statusReason: res.ok ? 'cancel requested' : res.message, updatedAt: this.ctx.clock.now() });
    }
    return { ok: true, order: this.current(clientOrderId) ?? order };
  }

  /**
   * The broker holds a long position's qty for its bracket legs: a strategy exit sent while they
   * rest is refused ("insufficient qty available"), and a leg that fired after the exit would
   * open a short. So when a strategy closes a position whose only open orders are bracket legs,
   * the legs are cancelled first, and the exit goes out only once the broker confirmed that.
   * These are the legs to cancel (none when the intent is no such exit).
   */
  private bracketLegsBlockingExit(intent: OrderIntent): OrderRecord[] {
    const held = this.ctx.state.positions.get(intent.symbol)?.qty ?? 0;
    const closing = (held > 0 && intent.side === 'sell') || (held < 0 && intent.side === 'buy');
    if (!closing) return [];
    const open = [...this.ctx.state.openOrders.values()].filter((o) => o.symbol === intent.symbol);
    return open.length > 0 && open.every((o) => this.isBracketLeg(o)) ? open : [];
  }

  /** Cancel the legs and wait for the broker to confirm; an error means the exit must not be sent. */
  private async cancelBracketLegsBeforeExit(intent: OrderIntent, open: OrderRecord[]): Promise<ApiError | null> {
    const held = this.ctx.state.positions.get(intent.symbol)?.qty ?? 0;
    for (const leg of open) {
      const r = await this.cancel(leg.clientOrderId);
      if (!r.ok && r.error.code !== 'conflict') {
        return { code: 'broker_error', message: `the exit was not sent: its bracket leg ${leg.clientOrderId} could not be cancelled (${r.error.message})` };
      }
    }
    // The cancel requests are answered before the broker's 'canceled' events arrive; wait for
    // those, as the broker keeps the qty held until the legs are really gone.
    const deadline = this.ctx.clock.now() + LEG_CANCEL_WAIT_MS;
    for (let i = 0; i < LEG_CANCEL_POLLS && open.some((o) => this.ctx.state.openOrders.has(o.clientOrderId)); i++) {
      await new Promise((r) => setTimeout(r, LEG_CANCEL_WAIT_MS / LEG_CANCEL_POLLS));
      if (this.ctx.clock.now() > deadline) break;
    }
    const still = open.filter((o) => this.ctx.state.openOrders.has(o.clientOrderId));
    if (still.length > 0) {
      return { code: 'broker_error', message: `the exit was not sent: bracket legs ${still.map((o) => o.clientOrderId).join(', ')} are not confirmed cancelled yet` };
    }
    if ((this.ctx.state.positions.get(intent.symbol)?.qty ?? 0) !== held) {
      return { code: 'conflict', message: `the exit was not sent: a bracket leg of ${intent.symbol} executed while its siblings were being cancelled` };
    }
    this.ctx.audit('order_updated', `Cancelled the bracket legs of ${intent.symbol} (${open.map((o) => o.clientOrderId).join(', ')}) before the strategy exit`, { legs: open.map((o) => o.clientOrderId), intentKey: intent.intentKey });
    return null;
  }

  /**
   * A stop-loss or take-profit leg the broker created for one of our bracket entries: reported
   * nested in the entry (Alpaca), or named after it (the simulator's `${entry}-sl` / `-tp`).
   */
  isBracketLeg(o: Pick<OrderRecord, 'clientOrderId' | 'symbol'>): boolean {
    const parentId = this.legParents.get(o.clientOrderId) ?? /^(.+)-(?:sl|tp)$/.exec(o.clientOrderId)?.[1];
    if (parentId === undefined) return false;
    const parent = this.current(parentId);
    return parent !== null && parent.symbol === o.symbol && parent.origin !== 'external';
  }

  handleBrokerEvent(e: BrokerEvent): void {
    switch (e.type) {
      case 'order':
        this.applyBrokerOrder(e.order, e.reason);
        return;
      case 'fill':
        this.applyFill(e.fill, e.order);
        return;
      case 'connection':
        this.ctx.emit('engine:status', { tradingState: this.ctx.state.tradingState, mode: this.ctx.state.mode, broker: e.status });
        return;
      default:
        assertNever(e, 'broker event');
    }
  }

  current(clientOrderId: string): OrderRecord | null {
    return this.ctx.state.openOrders.get(clientOrderId) ?? this.ctx.store.getOrder(clientOrderId);
  }

  /** Write a status change durably, then publish it. Backward moves are ignored. */
  patch(clientOrderId: string, patch: OrderPatch): OrderRecord | null {
    const prev = this.current(clientOrderId);
    if (!prev) return null;
    // 'unsent' is our conclusion after an unanswered submit, not the broker's word: an event for the
    // order (it arrived late) moves it on; every other status only moves forward.
    if (prev.status !== 'unsent') {
      if (patch.status && rank(patch.status) < rank(prev.status)) delete patch.status;
      if (rank(prev.status) === 4 && patch.status && patch.status !== prev.status) delete patch.status;
    }
    const next: OrderRecord = { ...prev, ...stripUndefined(patch) };
    if (isOpenStatus(next.status)) this.ctx.state.openOrders.set(clientOrderId, next);
    else this.ctx.state.openOrders.delete(clientOrderId);
    if (!isOpenStatus(next.status) && this.legParents.delete(clientOrderId)) this.saveLegParents();
    // A status change is recoverable from the broker, so it joins the turn's group commit.
    void this.ctx.write(
      () => this.ctx.store.updateOrder(clientOrderId, patch),
      () => this.ctx.emit('orders:updated', next),
    );
    return next;
  }

  private rememberLegs(o: BrokerOrder): void {
    let added = false;
    for (const leg of o.legs ?? []) {
      if (this.legParents.get(leg.clientOrderId) === o.clientOrderId || !isOpenStatus(leg.status)) continue;
      this.legParents.set(leg.clientOrderId, o.clientOrderId);
      added = true;
    }
    if (added) this.saveLegParents();
  }

  private saveLegParents(): void {
    const all = Object.fromEntries(this.legParents);
    void this.ctx.write(() => this.ctx.store.setMeta(BRACKET_LEGS_META_KEY, all));
  }

  /** An order we did not place (the broker's close-out, or found at reconciliation): journal it as external. */
  adoptOrder(o: BrokerOrder): OrderRecord {
    return this.current(o.clientOrderId) ?? this.adopt(o);
  }

  /**
   * Take a position difference found at the broker into the journal: an external order and its
   * fill, applied like any execution (one transaction, idempotent by its id).
   */
  adoptPosition(symbol: string, qtyDiff: number, price: number, reason: string): void {
    const now = this.ctx.clock.now();
    const side = qtyDiff > 0 ? 'buy' : 'sell';
    const qty = Math.abs(qtyDiff);
    const clientOrderId = `reconcile-${symbol.replace('/', '')}-${now}`;
    const order: BrokerOrder = { brokerOrderId: clientOrderId, clientOrderId, symbol, side, type: 'market', qty, limitPrice: null, status: 'accepted', filledQty: 0, avgFillPrice: null };
    const record = this.adopt(order);
    this.patch(record.clientOrderId, { statusReason: reason, updatedAt: now });
    this.applyFill({ fillId: `${clientOrderId}:adopted`, clientOrderId, symbol, side, qty, price, commission: 0, time: now }, order);
  }

  private adopt(o: BrokerOrder): OrderRecord {
    const now = this.ctx.clock.now();
    const record: OrderRecord = {
      clientOrderId: o.clientOrderId,
      brokerOrderId: o.brokerOrderId,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      qty: o.qty,
      limitPrice: o.limitPrice,
      stopPrice: null,
      tif: 'day',
      status: o.status,
      filledQty: 0,
      avgFillPrice: null,
      origin: this.ctx.state.tradingState.state === 'halted' ? 'killswitch' : 'external',
      strategyId: null,
      reason: 'placed at the broker outside this app (adopted)',
      statusReason: null,
      createdAt: now,
      updatedAt: now,
    };
    this.ctx.store.insertOrder(record);
    if (isOpenStatus(record.status)) this.ctx.state.openOrders.set(record.clientOrderId, record);
    this.ctx.audit('order_updated', `Adopted order ${o.clientOrderId} (${o.side} ${o.qty} ${o.symbol}) found at the broker`, { order: o });
    return record;
  }

  private applyBrokerOrder(o: BrokerOrder, reason: string | null): void {
    this.rememberLegs(o);
    const prev = this.current(o.clientOrderId) ?? this.adopt(o);
    if (prev.status === 'unsent' && prev.origin !== 'external') this.arrivedLate(prev, o.status);
    else if (rank(prev.status) === 4 && rank(o.status) === 4 && o.status !== prev.status && o.status !== 'filled') {
      // out of order or contradictory (a 'canceled' after the fill): the first final word stands
      this.ctx.audit('order_updated', `Ignored a late '${o.status}' event for order ${o.clientOrderId}: it is already ${prev.status}`, { clientOrderId: o.clientOrderId, event: o.status });
    }
    // filled quantities come only from fill events (each applied once), never from order snapshots
    const status = o.status === 'filled' || o.status === 'partially_filled' ? (prev.status === 'unsent' ? 'accepted' : prev.status) : o.status;
    const patch: OrderPatch = { status, brokerOrderId: o.brokerOrderId, updatedAt: this.ctx.clock.now() };
    if (reason && (o.status === 'rejected' || o.status === 'canceled' || o.status === 'expired')) patch.statusReason = reason;
    if (status === prev.status && prev.brokerOrderId === o.brokerOrderId && !patch.statusReason) return;
    const next = this.patch(o.clientOrderId, patch);
    if (next && o.status === 'rejected' && prev.status !== 'rejected') {
      this.ctx.audit('order_updated', `Order ${o.clientOrderId} rejected: ${reason ?? 'no reason given'}`, { clientOrderId: o.clientOrderId });
      this.ctx.alert('warning', 'order_rejected', `${o.side.toUpperCase()} ${o.qty} ${o.symbol} was rejected by the broker: ${reason ?? 'no reason given'}`);
    }
  }

  /**
   * A fill event that reconciliation already counted: recovery applies what the broker executed
   * while we were not listening as one catch-up fill named after the broker's cumulative filled
   * quantity; an execution arriving afterwards (a late or replayed event) whose own cumulative
   * quantity is within that catch-up was part of it. Executions beyond it still apply.
   */
  private coveredByCatchUp(order: OrderRecord, fill: Fill, brokerOrder: BrokerOrder): boolean {
    if (order.filledQty <= 0 || CATCH_UP.test(fill.fillId) || !(brokerOrder.filledQty > 0)) return false;
    let through = 0;
    for (const f of this.ctx.store.fillsForSymbol(fill.symbol, 1000)) {
      if (f.clientOrderId !== order.clientOrderId) continue;
      const m = CATCH_UP.exec(f.fillId);
      if (m) through = Math.max(through, Number(m[1]));
    }
    return through > 0 && brokerOrder.filledQty <= through + 1e-9;
  }

  /** An order we reported as not placed reached the broker after all: say so, loudly, once. */
  private arrivedLate(order: OrderRecord, brokerStatus: string): void {
    this.ctx.audit('order_updated', `Order ${order.clientOrderId} (${order.side} ${order.qty} ${order.symbol}), reported as not placed (${order.statusReason ?? 'no answer'}), reached the broker after all (${brokerStatus})`, { clientOrderId: order.clientOrderId });
    this.ctx.alert('warning', 'reconciliation', `${order.side.toUpperCase()} ${order.qty} ${order.symbol} (order ${order.clientOrderId}) was reported as not placed, but the broker received it late and it is now ${brokerStatus}. It is tracked again; do not place it a second time.`);
  }

  /** Apply one execution exactly once: journal fill + order + position + account in one transaction. */
  applyFill(fill: Fill, brokerOrder: BrokerOrder | null): boolean {
    const { ctx } = this;
    const order = this.current(fill.clientOrderId) ?? (brokerOrder ? this.adopt(brokerOrder) : null);
    if (!order) {
      ctx.log('warn', `fill ${fill.fillId} for unknown order ${fill.clientOrderId} skipped`, fill);
      return false;
    }
    if (brokerOrder && this.coveredByCatchUp(order, fill, brokerOrder)) {
      ctx.audit('order_updated', `Ignored a late ${fill.qty} ${fill.symbol} execution of order ${order.clientOrderId} (${fill.fillId}): reconciliation already applied the broker's filled quantity up to ${brokerOrder.filledQty}`, { fill });
      return false;
    }
    if (order.status === 'unsent' && order.origin !== 'external') this.arrivedLate(order, 'filled');
    const position = applyFillToPosition(ctx.state.positions.get(fill.symbol), fill);
    const cash = cashAfterFill(ctx.state.account.cash, fill);
    const positions = new Map(ctx.state.positions);
    positions.set(fill.symbol, position);
    const now = ctx.clock.now();
    const account = markAccount(ctx.state.account, cash, marketValue(positions.values(), (s) => ctx.market.lastPrice(s)), now, false);
    const filledQty = Math.min(order.qty, order.filledQty + fill.qty);
    const avgFillPrice = ((order.avgFillPrice ?? 0) * order.filledQty + fill.price * fill.qty) / (order.filledQty + fill.qty);
    const status: OrderStatus = filledQty >= order.qty - 1e-9 ? 'filled' : rank(order.status) >= 3 ? order.status : 'partially_filled';
    const orderPatch = { clientOrderId: order.clientOrderId, status, filledQty, avgFillPrice, updatedAt: now };
    // status changes queued earlier in this turn ('accepted') must reach the journal before the fill
    ctx.flushWrites();
    if (!ctx.store.applyFill({ fill, order: orderPatch, position, account })) return false;

    this.fillsApplied++;
    ctx.state.positions = positions;
    if (position.qty === 0) ctx.state.positions.delete(fill.symbol);
    ctx.state.account = account;
    const next: OrderRecord = { ...order, status, filledQty, avgFillPrice, updatedAt: now };
    if (isOpenStatus(status)) ctx.state.openOrders.set(order.clientOrderId, next);
    else ctx.state.openOrders.delete(order.clientOrderId);
    ctx.emit('fills:new', fill);
    ctx.emit('orders:updated', next);
    ctx.emit('positions:updated', [...ctx.state.positions.values()].map((p) => viewPosition(p, ctx.market.lastPrice(p.symbol))));
    ctx.emit('account:updated', account);
    ctx.audit('fill', `Filled ${fill.side} ${fill.qty} ${fill.symbol} @ ${fill.price} (order ${order.clientOrderId})`, { fill });
    return true;
  }
}

const CATCH_UP = /:reconciled:([0-9.eE+-]+)$/;

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
