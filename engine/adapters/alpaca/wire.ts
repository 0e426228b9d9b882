// Parse points: everything Alpaca sends is validated here before the engine sees it. The SDK's
// models are typed but not checked at runtime (they spread the raw JSON and keep its snake_case
// keys), so we read those raw keys and refuse anything we cannot interpret: a malformed message
// becomes a `problem`, which callers log with the raw body and skip, never half-apply.
import type { AssetClass, Bar, Instrument, OrderStatus, OrderType, Side, TimeInForce } from '../../domain/types';
import type { BrokerAccount, BrokerOrder, BrokerPosition } from '../../ports';
import { assertNever } from '../../util/assert';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** What Alpaca tells about an order beyond the Broker port's common shape. */
export interface AlpacaBrokerOrder extends BrokerOrder {
  stopPrice: number | null;
  /** dollar amount for notional orders (then `qty` is the filled quantity until the order completes) */
  notional: number | null;
  tif: TimeInForce | 'other';
  orderClass: 'simple' | 'bracket' | 'oco' | 'oto' | 'mleg';
  assetClass: AssetClass;
  /** Alpaca's own status word (new, held, done_for_day, ...) behind the mapped `status` */
  alpacaStatus: string;
  /** bracket legs, when the response nests them */
  legs: AlpacaBrokerOrder[];
  createdAt: number | null;
  updatedAt: number | null;
}

export interface MarketClock {
  timestamp: number;
  isOpen: boolean;
  nextOpen: number;
  nextClose: number;
}

type Rec = Record<string, unknown>;

function isRec(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

class Problem extends Error {}

/**
 * A wire field by its Alpaca (snake_case) name. Some SDK models keep the raw keys (Order, Account),
 * others only their camelCase mapping (Position, Assets as `_class`, Clock): accept either.
 */
function field(o: Rec, key: string): unknown {
  if (key in o) return o[key];
  if (key === 'class') return o._class;
  return o[key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())];
}

function str(o: Rec, key: string): string {
  const v = field(o, key);
  if (typeof v !== 'string' || v === '') throw new Problem(`${key} is missing or not a string`);
  return v;
}

/** Alpaca sends amounts as decimal strings; numbers are accepted too (msgpack, older endpoints). */
function amount(o: Rec, key: string): number {
  const v = field(o, key);
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(n)) throw new Problem(`${key} is not a number (${JSON.stringify(v)})`);
  return n;
}

function optAmount(o: Rec, key: string): number | null {
  const v = field(o, key);
  return v === null || v === undefined || v === '' ? null : amount(o, key);
}

function time(o: Rec, key: string): number | null {
  const v = field(o, key);
  if (v === null || v === undefined || v === '') return null;
  const t = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new Problem(`${key} is not a time (${JSON.stringify(v)})`);
  return t;
}

function guard<T>(f: () => T): Parsed<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof Problem) return { ok: false, problem: e.message };
    throw e;
  }
}

const KNOWN_STATUSES = [
  'new',
  'partially_filled',
  'filled',
  'done_for_day',
  'canceled',
  'expired',
  'replaced',
  'pending_cancel',
  'pending_replace',
  'pending_review',
  'accepted',
  'pending_new',
  'accepted_for_bidding',
  'stopped',
  'rejected',
  'suspended',
  'calculated',
  'held',
] as const;
type AlpacaStatus = (typeof KNOWN_STATUSES)[number];

function isAlpacaStatus(s: string): s is AlpacaStatus {
  return (KNOWN_STATUSES as readonly string[]).includes(s);
}

/** Alpaca's order statuses onto our journal's lifecycle. */
export function mapStatus(s: AlpacaStatus): OrderStatus {
  switch (s) {
    case 'new':
    case 'accepted':
    case 'pending_new':
    case 'accepted_for_bidding':
    case 'pending_review':
    case 'held':
    case 'stopped':
    case 'suspended':
    case 'pending_replace':
    case 'calculated':
    // done for today, but a GTC order resumes tomorrow: still open
    case 'done_for_day':
      return 'accepted';
    case 'partially_filled':
      return 'partially_filled';
    case 'filled':
      return 'filled';
    case 'pending_cancel':
      return 'pending_cancel';
    case 'canceled':
    // the order was replaced by another one: this one is finished
    case 'replaced':
      return 'canceled';
    case 'expired':
      return 'expired';
    case 'rejected':
      return 'rejected';
    default:
      return assertNever(s, 'Alpaca order status');
  }
}

function side(o: Rec): Side {
  const s = str(o, 'side');
  if (s !== 'buy' && s !== 'sell') throw new Problem(`side "${s}" is neither buy nor sell`);
  return s;
}

function orderType(o: Rec): OrderType {
  const t = typeof field(o, 'type') === 'string' ? str(o, 'type') : str(o, 'order_type');
  if (t === 'market' || t === 'limit' || t === 'stop' || t === 'stop_limit') return t;
  throw new Problem(`order type "${t}" is not one this app trades`);
}

function tif(o: Rec): TimeInForce | 'other' {
  const t = field(o, 'time_in_force');
  return t === 'day' || t === 'gtc' || t === 'ioc' ? t : 'other';
}

function orderClass(o: Rec): AlpacaBrokerOrder['orderClass'] {
  const c = field(o, 'order_class');
  if (c === undefined || c === null || c === '' || c === 'simple') return 'simple';
  if (c === 'bracket' || c === 'oco' || c === 'oto' || c === 'mleg') return c;
  throw new Problem(`order_class "${String(c)}" is unknown`);
}

function assetClass(o: Rec, symbol: string): AssetClass {
  const c = field(o, 'asset_class');
  if (c === 'us_equity' || c === 'crypto') return c;
  if (c === undefined || c === null) return symbol.includes('/') ? 'crypto' : 'us_equity';
  throw new Problem(`asset_class "${String(c)}" is not traded by this app`);
}

function orderFrom(o: Rec, depth: number): AlpacaBrokerOrder {
  const statusWord = str(o, 'status');
  if (!isAlpacaStatus(statusWord)) throw new Problem(`status "${statusWord}" is unknown`);
  const symbol = str(o, 'symbol');
  const qty = optAmount(o, 'qty');
  const notional = optAmount(o, 'notional');
  if (qty === null && notional === null) throw new Problem('neither qty nor notional is set');
  const filledQty = optAmount(o, 'filled_qty') ?? 0;
  if ((qty !== null && qty < 0) || filledQty < 0 || (notional !== null && notional < 0)) throw new Problem('negative quantity');
  const rawLegs = field(o, 'legs');
  if (rawLegs !== undefined && rawLegs !== null && !Array.isArray(rawLegs)) throw new Problem('legs is not a list');
  const legs = depth === 0 && Array.isArray(rawLegs) ? rawLegs.map((l) => (isRec(l) ? orderFrom(l, 1) : fail('a leg is not an object'))) : [];
  return {
    brokerOrderId: str(o, 'id'),
    clientOrderId: str(o, 'client_order_id'),
    symbol,
    side: side(o),
    type: orderType(o),
    qty: qty ?? filledQty,
    limitPrice: optAmount(o, 'limit_price'),
    stopPrice: optAmount(o, 'stop_price'),
    notional,
    status: mapStatus(statusWord),
    alpacaStatus: statusWord,
    filledQty,
    avgFillPrice: optAmount(o, 'filled_avg_price'),
    tif: tif(o),
    orderClass: orderClass(o),
    assetClass: assetClass(o, symbol),
    legs,
    createdAt: time(o, 'created_at'),
    updatedAt: time(o, 'updated_at'),
  };
}

function fail(problem: string): never {
  throw new Problem(problem);
}

export function parseOrder(raw: unknown): Parsed<AlpacaBrokerOrder> {
  return guard(() => (isRec(raw) ? orderFrom(raw, 0) : fail('order is not an object')));
}

/** Crypto positions come back as BTCUSD; orders and our instruments say BTC/USD. */
export function pairSymbol(symbol: string, cls: AssetClass): string {
  if (cls !== 'crypto' || symbol.includes('/')) return symbol;
  for (const quote of ['USDT', 'USDC', 'USD', 'BTC']) {
    if (symbol.length > quote.length && symbol.endsWith(quote)) return `${symbol.slice(0, -quote.length)}/${quote}`;
  }
  return symbol;
}

export function parsePosition(raw: unknown): Parsed<BrokerPosition & { assetClass: AssetClass }> {
  return guard(() => {
    if (!isRec(raw)) fail('position is not an object');
    const cls = assetClass(raw, '');
    const qty = amount(raw, 'qty');
    const s = field(raw, 'side');
    // Alpaca signs qty for shorts; the side field must agree when present
    if (s !== undefined && s !== 'long' && s !== 'short') fail(`side "${String(s)}" is neither long nor short`);
    const signed = s === 'short' ? -Math.abs(qty) : qty;
    return { symbol: pairSymbol(str(raw, 'symbol'), cls), qty: signed, avgEntryPrice: amount(raw, 'avg_entry_price'), assetClass: cls };
  });
}

export function parseAccount(raw: unknown): Parsed<BrokerAccount & { status: string; tradingBlocked: boolean }> {
  return guard(() => {
    if (!isRec(raw)) fail('account is not an object');
    return {
      cash: amount(raw, 'cash'),
      equity: amount(raw, 'equity'),
      buyingPower: amount(raw, 'buying_power'),
      status: str(raw, 'status'),
      tradingBlocked: field(raw, 'trading_blocked') === true || field(raw, 'account_blocked') === true,
    };
  });
}

export function parseClock(raw: unknown): Parsed<MarketClock> {
  return guard(() => {
    if (!isRec(raw)) fail('clock is not an object');
    const isOpen = field(raw, 'is_open');
    if (typeof isOpen !== 'boolean') fail('is_open is not a boolean');
    const timestamp = time(raw, 'timestamp');
    const nextOpen = time(raw, 'next_open');
    const nextClose = time(raw, 'next_close');
    if (timestamp === null || nextOpen === null || nextClose === null) fail('clock times are missing');
    return { timestamp, isOpen, nextOpen, nextClose };
  });
}

export interface AlpacaAsset {
  instrument: Instrument;
  tradable: boolean;
  status: string;
}

export function parseAsset(raw: unknown): Parsed<AlpacaAsset> {
  return guard(() => {
    if (!isRec(raw)) fail('asset is not an object');
    const symbol = str(raw, 'symbol');
    const cls = field(raw, 'class');
    if (cls !== 'us_equity' && cls !== 'crypto') fail(`asset class "${String(cls)}" is not traded by this app`);
    const crypto = cls === 'crypto';
    return {
      instrument: {
        symbol,
        name: typeof field(raw, 'name') === 'string' ? str(raw, 'name') : symbol,
        assetClass: cls,
        priceIncrement: crypto ? (optAmount(raw, 'price_increment') ?? 0.01) : 0.01,
        // stocks are traded in whole shares here: fractional orders are day-only and never bracketed
        qtyIncrement: crypto ? (optAmount(raw, 'min_trade_increment') ?? 1e-9) : 1,
        // Alpaca's smallest notional order is $1 (fractional shares and crypto)
        minNotional: 1,
        fractionable: field(raw, 'fractionable') === true,
        shortable: field(raw, 'shortable') === true,
      },
      tradable: field(raw, 'tradable') === true,
      status: typeof field(raw, 'status') === 'string' ? str(raw, 'status') : 'unknown',
    };
  });
}

/** One REST bar (compact keys) or one stream bar (the SDK's camelCase StreamBar). */
export function parseBar(raw: unknown): Parsed<Bar> {
  return guard(() => {
    if (!isRec(raw)) fail('bar is not an object');
    const compact = 'o' in raw;
    const t = time(raw, compact ? 't' : 'timestamp');
    if (t === null) fail('bar time is missing');
    const bar: Bar = {
      t,
      o: amount(raw, compact ? 'o' : 'open'),
      h: amount(raw, compact ? 'h' : 'high'),
      l: amount(raw, compact ? 'l' : 'low'),
      c: amount(raw, compact ? 'c' : 'close'),
      v: amount(raw, compact ? 'v' : 'volume'),
    };
    if (bar.l > bar.h || bar.o <= 0 || bar.c <= 0 || bar.l <= 0 || bar.v < 0) fail('bar prices are inconsistent');
    return bar;
  });
}
