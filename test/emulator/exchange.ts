// The emulator's broker: one paper account (cash account, no shorting), orders with Alpaca's
// validation rules and error bodies, matching against the emulator's own price path, positions,
// and the trade-update events Alpaca pushes. Every amount leaves here as Alpaca sends it: a
// decimal string.
import { createHash, randomUUID } from 'node:crypto';
import type { EmuAssetClass, EmuBar, EmuMarket, SymbolSpec } from './market';

/** An HTTP error with Alpaca's body; thrown by validation and caught by the router. */
export class AlpacaHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? status));
  }
}

export const CODE = {
  malformed: 40010000,
  invalid: 40010001,
  unauthorized: 40110000,
  forbidden: 40310000,
  notFound: 40410000,
  unprocessable: 42210000,
  rateLimited: 42910000,
  internal: 50010000,
} as const;

function fail(status: number, code: number, message: string, extra: Record<string, unknown> = {}): never {
  throw new AlpacaHttpError(status, { ...extra, code, message });
}

export type EmuSide = 'buy' | 'sell';
export type EmuType = 'market' | 'limit' | 'stop' | 'stop_limit';
export type EmuTif = 'day' | 'gtc' | 'ioc';
export type EmuStatus = 'new' | 'partially_filled' | 'filled' | 'canceled' | 'expired' | 'rejected' | 'held' | 'replaced';

const OPEN_STATUSES: ReadonlySet<EmuStatus> = new Set(['new', 'partially_filled', 'held']);

export interface EmuOrder {
  id: string;
  clientOrderId: string;
  symbol: string;
  assetClass: EmuAssetClass;
  assetId: string;
  side: EmuSide;
  type: EmuType;
  tif: EmuTif;
  qty: number | null;
  notional: number | null;
  limitPrice: number | null;
  stopPrice: number | null;
  orderClass: '' | 'bracket';
  status: EmuStatus;
  filledQty: number;
  filledValue: number;
  triggered: boolean;
  parentId: string | null;
  legKind: 'take_profit' | 'stop_loss' | null;
  legIds: string[];
  createdAt: number;
  updatedAt: number;
  filledAt: number | null;
  canceledAt: number | null;
  expiredAt: number | null;
  replacedAt: number | null;
  replacedBy: string | null;
  replaces: string | null;
  /** Day orders end when the session (or, always-open, the UTC day) they were placed in ends. */
  dayKey: number;
}

export interface EmuPosition {
  symbol: string;
  assetClass: EmuAssetClass;
  assetId: string;
  /** signed */
  qty: number;
  avgEntryPrice: number;
  lastdayPrice: number;
}

export interface TradeUpdate {
  event: string;
  order: Record<string, unknown>;
  timestamp: string;
  execution_id?: string;
  price?: string;
  qty?: string;
  position_qty?: string;
}

export interface ExchangeOptions {
  cash: number;
  /** at most this much quantity of one order executes per matching pass (null = all): partial fills */
  maxFillQtyPerMatch: number | null;
}

const EPS = 1e-9;

/** Alpaca's wire decimals: plain, no exponent, trailing zeros trimmed. */
export function dec(x: number): string {
  if (!Number.isFinite(x)) return '0';
  const s = x.toFixed(9);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}

export function assetIdFor(symbol: string): string {
  const h = createHash('sha1').update(`asset:${symbol}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Positions of crypto pairs are keyed without the slash (BTCUSD), as Alpaca does. */
export function positionSymbol(symbol: string): string {
  return symbol.replace('/', '');
}

function num(body: Record<string, unknown>, key: string): number | null {
  const v = body[key];
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) fail(422, CODE.invalid, `invalid ${key}`);
  return n;
}

function str(body: Record<string, unknown>, key: string): string | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(422, CODE.invalid, `invalid ${key}`);
  return v;
}

function isSubPenny(price: number): boolean {
  // Alpaca refuses sub-penny prices at or above $1 and more than 4 decimals below it
  const step = price >= 1 ? 0.01 : 0.0001;
  return Math.abs(Math.round(price / step) * step - price) > EPS;
}

export class EmuExchange {
  cash: number;
  readonly orders = new Map<string, EmuOrder>();
  private readonly byClientId = new Map<string, EmuOrder>();
  readonly positions = new Map<string, EmuPosition>();
  private readonly listeners = new Set<(u: TradeUpdate) => void>();
  /** every fill event ever sent, for replay faults */
  readonly fillEvents: TradeUpdate[] = [];
  /** each fill event is sent this many extra times (a duplicate-fill fault) */
  duplicateFills = 0;
  maxFillQtyPerMatch: number | null;
  /** symbols whose orders the venue rejects after Alpaca accepted them (a halted stock) */
  readonly venueRejects = new Set<string>();
  private lastDayKey: number;

  constructor(
    private readonly market: EmuMarket,
    opts: ExchangeOptions,
  ) {
    this.cash = opts.cash;
    this.maxFillQtyPerMatch = opts.maxFillQtyPerMatch;
    this.lastDayKey = this.dayKey(market.now);
  }

  onTradeUpdate(fn: (u: TradeUpdate) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(u: TradeUpdate): void {
    for (const fn of this.listeners) fn(u);
  }

  private dayKey(t: number): number {
    if (this.market.marketHours === 'always') return Math.floor(t / 86_400_000);
    // a session is identified by the next close; orders placed outside a session belong to the next one
    return this.market.nextOpenClose(t).nextClose;
  }

  // ---------- queries ----------

  getOrder(id: string): EmuOrder | null {
    return this.orders.get(id) ?? null;
  }

  getByClientId(clientOrderId: string): EmuOrder | null {
    return this.byClientId.get(clientOrderId) ?? null;
  }

  isOpen(o: EmuOrder): boolean {
    return OPEN_STATUSES.has(o.status);
  }

  listOrders(): EmuOrder[] {
    return [...this.orders.values()];
  }

  findPosition(symbolOrId: string): EmuPosition | null {
    for (const p of this.positions.values()) {
      if (p.symbol === symbolOrId || positionSymbol(p.symbol) === symbolOrId || p.assetId === symbolOrId) return p;
    }
    return null;
  }

  markPrice(symbol: string): number {
    const p = this.market.lastPrice(symbol);
    if (p === null) throw new Error(`no price for ${symbol}`);
    return p;
  }

  account(): { cash: number; longValue: number; shortValue: number; equity: number; buyingPower: number; lastEquity: number } {
    let longValue = 0;
    let shortValue = 0;
    let lastEquity = this.cash;
    for (const p of this.positions.values()) {
      const v = p.qty * this.markPrice(p.symbol);
      if (v >= 0) longValue += v;
      else shortValue += v;
      lastEquity += p.qty * p.lastdayPrice;
    }
    const equity = this.cash + longValue + shortValue;
    return { cash: this.cash, longValue, shortValue, equity, buyingPower: Math.max(0, this.cash - this.reservedForBuys()), lastEquity };
  }

  private remainingQty(o: EmuOrder, price: number): number {
    if (o.qty !== null) return Math.max(0, o.qty - o.filledQty);
    return o.notional !== null ? Math.max(0, o.notional - o.filledValue) / price : 0;
  }

  private reservedForBuys(): number {
    let r = 0;
    for (const o of this.orders.values()) {
      if (o.side !== 'buy' || !this.isOpen(o)) continue;
      if (o.notional !== null) r += Math.max(0, o.notional - o.filledValue);
      else r += this.remainingQty(o, 1) * (o.limitPrice ?? o.stopPrice ?? this.markPrice(o.symbol));
    }
    return r;
  }

  /** Quantity of a long position already promised to open sell orders (one leg per bracket: they are OCO). */
  private heldForSells(symbol: string): number {
    let held = 0;
    for (const o of this.orders.values()) {
      if (o.symbol !== symbol || o.side !== 'sell' || !this.isOpen(o)) continue;
      if (o.status === 'held' || o.legKind === 'stop_loss') continue;
      held += this.remainingQty(o, this.markPrice(symbol));
    }
    return held;
  }

  // ---------- wire ----------

  orderWire(o: EmuOrder, nested: boolean): Record<string, unknown> {
    const intent = o.side === 'buy' ? (o.legKind ? 'buy_to_close' : 'buy_to_open') : 'sell_to_close';
    return {
      id: o.id,
      client_order_id: o.clientOrderId,
      created_at: iso(o.createdAt),
      updated_at: iso(o.updatedAt),
      submitted_at: iso(o.createdAt),
      filled_at: iso(o.filledAt),
      expired_at: iso(o.expiredAt),
      canceled_at: iso(o.canceledAt),
      failed_at: null,
      replaced_at: iso(o.replacedAt),
      replaced_by: o.replacedBy,
      replaces: o.replaces,
      asset_id: o.assetId,
      symbol: o.symbol,
      asset_class: o.assetClass,
      notional: o.notional === null ? null : dec(o.notional),
      qty: o.qty === null ? null : dec(o.qty),
      filled_qty: dec(o.filledQty),
      filled_avg_price: o.filledQty > 0 ? dec(o.filledValue / o.filledQty) : null,
      order_class: o.orderClass,
      order_type: o.type,
      type: o.type,
      side: o.side,
      position_intent: intent,
      time_in_force: o.tif,
      limit_price: o.limitPrice === null ? null : dec(o.limitPrice),
      stop_price: o.stopPrice === null ? null : dec(o.stopPrice),
      status: o.status,
      extended_hours: false,
      legs: nested && o.legIds.length > 0 ? o.legIds.map((id) => this.orderWire(this.orders.get(id) as EmuOrder, false)) : null,
      trail_percent: null,
      trail_price: null,
      hwm: null,
      subtag: null,
      source: null,
      expires_at: o.tif === 'day' ? iso(this.market.nextOpenClose(o.createdAt).nextClose) : null,
    };
  }

  positionWire(p: EmuPosition): Record<string, unknown> {
    const price = this.markPrice(p.symbol);
    const marketValue = p.qty * price;
    const costBasis = p.qty * p.avgEntryPrice;
    const pl = marketValue - costBasis;
    const intradayPl = p.qty * (price - p.lastdayPrice);
    const spec = this.market.spec(p.symbol) as SymbolSpec;
    return {
      asset_id: p.assetId,
      symbol: positionSymbol(p.symbol),
      exchange: spec.exchange,
      asset_class: p.assetClass,
      asset_marginable: p.assetClass === 'us_equity',
      qty: dec(p.qty),
      qty_available: dec(p.qty > 0 ? p.qty - this.heldForSells(p.symbol) : p.qty),
      avg_entry_price: dec(p.avgEntryPrice),
      side: p.qty >= 0 ? 'long' : 'short',
      market_value: dec(marketValue),
      cost_basis: dec(costBasis),
      unrealized_pl: dec(pl),
      unrealized_plpc: dec(costBasis !== 0 ? pl / Math.abs(costBasis) : 0),
      unrealized_intraday_pl: dec(intradayPl),
      unrealized_intraday_plpc: dec(p.lastdayPrice !== 0 ? (price - p.lastdayPrice) / p.lastdayPrice : 0),
      current_price: dec(price),
      lastday_price: dec(p.lastdayPrice),
      change_today: dec(p.lastdayPrice !== 0 ? (price - p.lastdayPrice) / p.lastdayPrice : 0),
    };
  }

  // ---------- commands ----------

  /** POST /v2/orders: validate as Alpaca does (status codes and messages), then accept. */
  submit(body: Record<string, unknown>): EmuOrder {
    const symbol = str(body, 'symbol');
    if (!symbol) fail(422, CODE.invalid, 'symbol is required');
    const spec = this.market.spec(symbol) ?? this.market.specs().find((s) => positionSymbol(s.symbol) === symbol) ?? null;
    if (!spec) fail(422, CODE.invalid, `asset "${symbol}" not found`);
    const side = str(body, 'side');
    if (side !== 'buy' && side !== 'sell') fail(422, CODE.invalid, 'invalid side');
    const type = str(body, 'type') ?? str(body, 'order_type');
    if (type === 'trailing_stop') fail(422, CODE.invalid, 'trailing_stop orders are not supported by this emulator');
    if (type !== 'market' && type !== 'limit' && type !== 'stop' && type !== 'stop_limit') fail(422, CODE.invalid, 'invalid order type');
    const tif = str(body, 'time_in_force');
    if (tif !== 'day' && tif !== 'gtc' && tif !== 'ioc') {
      if (tif === 'opg' || tif === 'cls' || tif === 'fok') fail(422, CODE.invalid, `time_in_force ${tif} is not supported by this emulator`);
      fail(422, CODE.invalid, 'invalid time_in_force');
    }
    const qty = num(body, 'qty');
    const notional = num(body, 'notional');
    if (qty !== null && notional !== null) fail(422, CODE.invalid, 'only one of qty or notional may be specified');
    if (qty === null && notional === null) fail(422, CODE.invalid, 'qty or notional is required');
    if (qty !== null && qty <= 0) fail(422, CODE.invalid, 'qty must be > 0');
    if (notional !== null && notional <= 0) fail(422, CODE.invalid, 'notional must be > 0');
    const limitPrice = num(body, 'limit_price');
    const stopPrice = num(body, 'stop_price');
    if ((type === 'limit' || type === 'stop_limit') && limitPrice === null) fail(422, CODE.invalid, 'limit_price is required');
    if ((type === 'stop' || type === 'stop_limit') && stopPrice === null) fail(422, CODE.invalid, 'stop_price is required');
    if (limitPrice !== null && limitPrice <= 0) fail(422, CODE.invalid, 'limit_price must be > 0');
    if (stopPrice !== null && stopPrice <= 0) fail(422, CODE.invalid, 'stop_price must be > 0');
    const orderClass = str(body, 'order_class') ?? 'simple';
    if (orderClass !== 'simple' && orderClass !== '' && orderClass !== 'bracket' && orderClass !== 'oco' && orderClass !== 'oto') {
      fail(422, CODE.invalid, 'invalid order_class');
    }
    const crypto = spec.assetClass === 'crypto';
    if (crypto) {
      if (orderClass !== 'simple' && orderClass !== '') fail(422, CODE.unprocessable, `crypto orders not allowed for advanced order_class: ${orderClass}`);
      if (tif !== 'gtc' && tif !== 'ioc') fail(422, CODE.unprocessable, 'invalid crypto time_in_force');
      if (type === 'stop') fail(422, CODE.unprocessable, 'invalid order type for crypto order');
      if (qty !== null && spec.minOrderSize !== undefined && qty < spec.minOrderSize - EPS) {
        fail(422, CODE.unprocessable, `qty must be >= ${dec(spec.minOrderSize)}`);
      }
    } else {
      if (orderClass === 'oco' || orderClass === 'oto') fail(422, CODE.invalid, `order_class ${orderClass} is not supported by this emulator`);
      const fractional = (qty !== null && Math.abs(qty - Math.round(qty)) > EPS) || notional !== null;
      if (fractional && !spec.fractionable) fail(422, CODE.unprocessable, `asset ${spec.symbol} is not fractionable`);
      if (fractional && (tif !== 'day' || orderClass === 'bracket')) fail(422, CODE.unprocessable, 'fractional orders must be simple orders with time_in_force day');
      for (const p of [limitPrice, stopPrice]) {
        if (p !== null && isSubPenny(p)) fail(422, CODE.unprocessable, 'sub-penny increment does not fulfill minimum pricing criteria');
      }
    }
    if (notional !== null && type !== 'market') fail(422, CODE.unprocessable, 'notional orders must be market orders');
    const clientOrderId = str(body, 'client_order_id') ?? randomUUID();
    if (clientOrderId.length > 128) fail(422, CODE.invalid, 'client_order_id must be no more than 128 characters');
    if (this.byClientId.has(clientOrderId)) fail(422, CODE.invalid, 'client_order_id must be unique');

    const price = this.markPrice(spec.symbol);
    let legs: { tp: number; sl: number; slLimit: number | null } | null = null;
    if (orderClass === 'bracket') {
      if (type !== 'market' && type !== 'limit') fail(422, CODE.unprocessable, 'bracket orders must be market or limit orders');
      if (tif !== 'day' && tif !== 'gtc') fail(422, CODE.unprocessable, 'bracket orders must be day or gtc');
      const tpBody = body.take_profit;
      const slBody = body.stop_loss;
      if (typeof tpBody !== 'object' || tpBody === null) fail(422, CODE.unprocessable, 'bracket orders must specify take_profit.limit_price');
      if (typeof slBody !== 'object' || slBody === null) fail(422, CODE.unprocessable, 'bracket orders must specify stop_loss.stop_price');
      const tp = num(tpBody as Record<string, unknown>, 'limit_price');
      const sl = num(slBody as Record<string, unknown>, 'stop_price');
      const slLimit = num(slBody as Record<string, unknown>, 'limit_price');
      if (tp === null) fail(422, CODE.unprocessable, 'bracket orders must specify take_profit.limit_price');
      if (sl === null) fail(422, CODE.unprocessable, 'bracket orders must specify stop_loss.stop_price');
      for (const p of [tp, sl, slLimit]) {
        if (p !== null && isSubPenny(p)) fail(422, CODE.unprocessable, 'sub-penny increment does not fulfill minimum pricing criteria');
      }
      const base = limitPrice ?? price;
      if (side === 'buy') {
        if (tp < base + 0.01 - EPS) fail(422, CODE.unprocessable, `take_profit.limit_price must be >= base_price + 0.01`, { base_price: dec(base) });
        if (sl > base - 0.01 + EPS) fail(422, CODE.unprocessable, `stop_loss.stop_price must be <= base_price - 0.01`, { base_price: dec(base) });
      } else {
        if (tp > base - 0.01 + EPS) fail(422, CODE.unprocessable, `take_profit.limit_price must be <= base_price - 0.01`, { base_price: dec(base) });
        if (sl < base + 0.01 - EPS) fail(422, CODE.unprocessable, `stop_loss.stop_price must be >= base_price + 0.01`, { base_price: dec(base) });
      }
      legs = { tp, sl, slLimit };
    }

    // buying power and available quantity, after validation as Alpaca orders them
    if (side === 'buy') {
      const cost = notional ?? (qty as number) * (limitPrice ?? stopPrice ?? price);
      const bp = Math.max(0, this.cash - this.reservedForBuys());
      if (cost > bp + EPS) fail(403, CODE.forbidden, 'insufficient buying power', { buying_power: dec(bp), cost_basis: dec(cost) });
    } else {
      const pos = this.positions.get(spec.symbol);
      const existing = pos && pos.qty > 0 ? pos.qty : 0;
      const held = this.heldForSells(spec.symbol);
      const available = Math.max(0, existing - held);
      const wanted = qty ?? (notional as number) / price;
      if (wanted > available + EPS) {
        fail(403, CODE.forbidden, `insufficient qty available for order (requested: ${dec(wanted)}, available: ${dec(available)})`, {
          symbol: spec.symbol,
          existing_qty: dec(existing),
          held_for_orders: dec(held),
          available: dec(available),
        });
      }
    }

    const now = this.market.now;
    const order = this.newOrder({
      clientOrderId,
      spec,
      side,
      type,
      tif,
      qty,
      notional,
      limitPrice,
      stopPrice,
      orderClass: orderClass === 'bracket' ? 'bracket' : '',
      status: 'new',
      now,
    });
    if (legs) {
      const exitSide: EmuSide = side === 'buy' ? 'sell' : 'buy';
      const tp = this.newOrder({ clientOrderId: randomUUID(), spec, side: exitSide, type: 'limit', tif, qty, notional: null, limitPrice: legs.tp, stopPrice: null, orderClass: 'bracket', status: 'held', now });
      const sl = this.newOrder({
        clientOrderId: randomUUID(),
        spec,
        side: exitSide,
        type: legs.slLimit === null ? 'stop' : 'stop_limit',
        tif,
        qty,
        notional: null,
        limitPrice: legs.slLimit,
        stopPrice: legs.sl,
        orderClass: 'bracket',
        status: 'held',
        now,
      });
      tp.parentId = order.id;
      tp.legKind = 'take_profit';
      sl.parentId = order.id;
      sl.legKind = 'stop_loss';
      order.legIds = [tp.id, sl.id];
    }
    this.emitOrder('new', order);
    return order;
  }

  private newOrder(a: {
    clientOrderId: string;
    spec: SymbolSpec;
    side: EmuSide;
    type: EmuType;
    tif: EmuTif;
    qty: number | null;
    notional: number | null;
    limitPrice: number | null;
    stopPrice: number | null;
    orderClass: '' | 'bracket';
    status: EmuStatus;
    now: number;
  }): EmuOrder {
    const o: EmuOrder = {
      id: randomUUID(),
      clientOrderId: a.clientOrderId,
      symbol: a.spec.symbol,
      assetClass: a.spec.assetClass,
      assetId: assetIdFor(a.spec.symbol),
      side: a.side,
      type: a.type,
      tif: a.tif,
      qty: a.qty,
      notional: a.notional,
      limitPrice: a.limitPrice,
      stopPrice: a.stopPrice,
      orderClass: a.orderClass,
      status: a.status,
      filledQty: 0,
      filledValue: 0,
      triggered: false,
      parentId: null,
      legKind: null,
      legIds: [],
      createdAt: a.now,
      updatedAt: a.now,
      filledAt: null,
      canceledAt: null,
      expiredAt: null,
      replacedAt: null,
      replacedBy: null,
      replaces: null,
      dayKey: this.dayKey(a.now),
    };
    this.orders.set(o.id, o);
    this.byClientId.set(o.clientOrderId, o);
    return o;
  }

  private emitOrder(event: string, o: EmuOrder, extra: Partial<TradeUpdate> = {}): void {
    const u: TradeUpdate = { event, order: this.orderWire(o, false), timestamp: new Date(this.market.now).toISOString(), ...extra };
    this.emit(u);
  }

  /** DELETE /v2/orders/{id}. Returns false when the order is not open (Alpaca answers 422). */
  cancel(o: EmuOrder, reason: 'canceled' | 'expired' = 'canceled'): boolean {
    if (!this.isOpen(o)) return false;
    const now = this.market.now;
    o.status = reason;
    o.updatedAt = now;
    if (reason === 'canceled') o.canceledAt = now;
    else o.expiredAt = now;
    this.emitOrder(reason, o);
    for (const legId of o.legIds) {
      const leg = this.orders.get(legId);
      if (leg) this.cancel(leg, reason);
    }
    return true;
  }

  /**
   * PATCH /v2/orders/{id}: a new order takes the old one's place (Alpaca refuses to replace
   * notional orders and orders not yet accepted); the old one ends as `replaced`.
   */
  replace(o: EmuOrder, body: Record<string, unknown>): EmuOrder {
    if (!this.isOpen(o) || o.status === 'held') fail(422, CODE.unprocessable, 'order is not replaceable');
    if (o.notional !== null) fail(422, CODE.unprocessable, 'notional orders cannot be replaced');
    const qty = num(body, 'qty') ?? o.qty;
    if (qty === null || qty <= o.filledQty) fail(422, CODE.invalid, 'qty must be greater than the filled quantity');
    const clientOrderId = str(body, 'client_order_id') ?? randomUUID();
    if (this.byClientId.has(clientOrderId)) fail(422, CODE.invalid, 'client_order_id must be unique');
    const tif = str(body, 'time_in_force') ?? o.tif;
    if (tif !== 'day' && tif !== 'gtc' && tif !== 'ioc') fail(422, CODE.invalid, 'invalid time_in_force');
    const spec = this.market.spec(o.symbol) as SymbolSpec;
    const now = this.market.now;
    const next = this.newOrder({
      clientOrderId,
      spec,
      side: o.side,
      type: o.type,
      tif,
      qty: qty - o.filledQty,
      notional: null,
      limitPrice: num(body, 'limit_price') ?? o.limitPrice,
      stopPrice: num(body, 'stop_price') ?? o.stopPrice,
      orderClass: o.orderClass,
      status: 'new',
      now,
    });
    next.replaces = o.id;
    o.status = 'replaced';
    o.replacedBy = next.id;
    o.replacedAt = now;
    o.updatedAt = now;
    this.emitOrder('replaced', o);
    this.emitOrder('new', next);
    return next;
  }

  /** DELETE /v2/orders: every open order, parents first (their legs go with them). */
  cancelAll(): EmuOrder[] {
    const open = [...this.orders.values()].filter((o) => this.isOpen(o) && o.parentId === null);
    const orphans = [...this.orders.values()].filter((o) => this.isOpen(o) && o.parentId !== null && !open.some((p) => p.id === o.parentId));
    const done: EmuOrder[] = [];
    for (const o of [...open, ...orphans]) if (this.cancel(o)) done.push(o);
    return done;
  }

  /** DELETE /v2/positions/{symbol}: a market order for the whole (or part of the) position. */
  closePosition(p: EmuPosition, qty: number | null): EmuOrder {
    const spec = this.market.spec(p.symbol) as SymbolSpec;
    const q = qty ?? Math.abs(p.qty);
    return this.submit({
      symbol: spec.symbol,
      side: p.qty > 0 ? 'sell' : 'buy',
      type: 'market',
      qty: dec(q),
      time_in_force: spec.assetClass === 'crypto' ? 'gtc' : 'day',
    });
  }

  // ---------- matching ----------

  /** Match one order against a price (on submit) or a completed bar (on a tick). */
  match(o: EmuOrder, px: { bar: EmuBar } | { price: number }): void {
    if (o.status !== 'new' && o.status !== 'partially_filled') return;
    if (!this.market.isOpen(o.assetClass)) return;
    const hi = 'bar' in px ? px.bar.h : px.price;
    const lo = 'bar' in px ? px.bar.l : px.price;
    const last = 'bar' in px ? px.bar.c : px.price;
    const open = 'bar' in px ? px.bar.o : px.price;
    const buy = o.side === 'buy';
    if ((o.type === 'stop' || o.type === 'stop_limit') && !o.triggered) {
      const stop = o.stopPrice as number;
      if (buy ? hi >= stop : lo <= stop) o.triggered = true;
      else return;
    }
    let price: number;
    if (o.type === 'market' || o.type === 'stop') {
      price = o.type === 'stop' ? (buy ? Math.max(o.stopPrice as number, last) : Math.min(o.stopPrice as number, last)) : last;
    } else {
      const limit = o.limitPrice as number;
      if (buy ? lo > limit : hi < limit) return;
      price = buy ? Math.min(limit, open) : Math.max(limit, open);
    }
    let qty = this.remainingQty(o, price);
    if (o.notional === null && this.maxFillQtyPerMatch !== null) qty = Math.min(qty, this.maxFillQtyPerMatch);
    if (qty <= EPS) return;
    this.fill(o, Math.round(qty * 1e9) / 1e9, price);
  }

  private fill(o: EmuOrder, qty: number, price: number): void {
    const now = this.market.now;
    o.filledQty += qty;
    o.filledValue += qty * price;
    o.updatedAt = now;
    const complete = o.qty !== null ? o.filledQty >= o.qty - EPS : true;
    o.status = complete ? 'filled' : 'partially_filled';
    if (complete) o.filledAt = now;
    const delta = o.side === 'buy' ? qty : -qty;
    this.cash -= delta * price;
    const pos = this.applyToPosition(o, delta, price);
    const update: TradeUpdate = {
      event: complete ? 'fill' : 'partial_fill',
      execution_id: randomUUID(),
      order: this.orderWire(o, false),
      timestamp: new Date(now).toISOString(),
      price: dec(price),
      qty: dec(qty),
      position_qty: dec(pos),
    };
    this.fillEvents.push(update);
    for (let i = 0; i <= this.duplicateFills; i++) this.emit(update);
    if (complete && o.legIds.length > 0) {
      for (const legId of o.legIds) {
        const leg = this.orders.get(legId);
        if (!leg || leg.status !== 'held') continue;
        leg.status = 'new';
        leg.qty = o.filledQty;
        leg.updatedAt = now;
        this.emitOrder('new', leg);
      }
    }
    if (complete && o.parentId !== null) {
      const parent = this.orders.get(o.parentId);
      for (const siblingId of parent?.legIds ?? []) {
        const sibling = this.orders.get(siblingId);
        if (sibling && sibling.id !== o.id) this.cancel(sibling);
      }
    }
  }

  private applyToPosition(o: EmuOrder, delta: number, price: number): number {
    const prev = this.positions.get(o.symbol);
    const q0 = prev?.qty ?? 0;
    const q1 = q0 + delta;
    if (Math.abs(q1) < EPS) {
      this.positions.delete(o.symbol);
      return 0;
    }
    let avg = prev?.avgEntryPrice ?? price;
    if (q0 === 0 || Math.sign(q0) !== Math.sign(q1)) avg = price;
    else if (Math.abs(q1) > Math.abs(q0)) avg = (avg * Math.abs(q0) + price * Math.abs(delta)) / Math.abs(q1);
    this.positions.set(o.symbol, {
      symbol: o.symbol,
      assetClass: o.assetClass,
      assetId: o.assetId,
      qty: q1,
      avgEntryPrice: avg,
      lastdayPrice: prev?.lastdayPrice ?? price,
    });
    return q1;
  }

  /** Right after a submit: marketable orders execute at the current price; IOC remainders die. */
  matchOnArrival(o: EmuOrder): void {
    if (this.venueRejects.has(o.symbol) && o.status === 'new') {
      o.status = 'rejected';
      o.updatedAt = this.market.now;
      this.emitOrder('rejected', o);
      for (const legId of o.legIds) {
        const leg = this.orders.get(legId);
        if (leg) this.cancel(leg);
      }
      return;
    }
    const price = this.market.lastPrice(o.symbol);
    if (price !== null) this.match(o, { price });
    if (o.tif === 'ioc' && this.isOpen(o)) this.cancel(o);
  }

  /** After a tick: resting orders against the bars just completed; day orders past their session expire. */
  onTick(bars: { symbol: string; bar: EmuBar }[]): void {
    const bySymbol = new Map(bars.map((b) => [b.symbol, b.bar]));
    for (const o of [...this.orders.values()]) {
      const bar = bySymbol.get(o.symbol);
      if (bar) this.match(o, { bar });
    }
    const key = this.dayKey(this.market.now);
    if (key !== this.lastDayKey) {
      this.lastDayKey = key;
      for (const o of [...this.orders.values()]) {
        if (o.tif === 'day' && o.parentId === null && o.dayKey !== key && o.assetClass === 'us_equity' && this.isOpen(o)) this.cancel(o, 'expired');
      }
      for (const p of this.positions.values()) p.lastdayPrice = this.markPrice(p.symbol);
    }
  }

  /** A position opened outside the API (the Alpaca dashboard, another app): a filled market order. */
  openExternalPosition(symbol: string, qty: number, price: number | null): EmuOrder {
    if (price !== null) this.market.setPrice(symbol, price);
    const spec = this.market.spec(symbol);
    if (!spec) throw new AlpacaHttpError(422, { code: CODE.invalid, message: `asset "${symbol}" not found` });
    const o = this.submit({
      symbol,
      side: qty >= 0 ? 'buy' : 'sell',
      type: 'market',
      qty: dec(Math.abs(qty)),
      time_in_force: spec.assetClass === 'crypto' ? 'gtc' : 'day',
      client_order_id: `external-${randomUUID()}`,
    });
    this.matchOnArrival(o);
    return o;
  }
}
