// A local Alpaca: the trading host (REST + trade-updates stream) and the market-data host (REST +
// data streams) on two loopback ports, so a client that sends a data request to the trading host
// fails here exactly as it would against Alpaca. Paths, JSON shapes, status codes and error bodies
// follow Alpaca's Trading and Market Data APIs (the SDK's generated models are the reference).
// Tests drive it in-process (advance the clock, inject faults, seed state); `/__admin` exposes the
// same controls over HTTP for manual use.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlpacaHttpError, CODE, EmuExchange, assetIdFor, dec, positionSymbol, type EmuOrder } from './exchange';
import { DEFAULT_SYMBOLS, EmuMarket, MINUTE_MS, timeframeMs, type EmuBar, type MarketHours, type SymbolSpec } from './market';
import { EmuStreams } from './streams';

export type Host = 'trading' | 'data';

/** One injected failure; the first matching rule with `times` left applies to a request. */
export interface FaultRule {
  host?: Host;
  method?: string;
  /** exact path, or a prefix ending in '*' */
  path?: string;
  /** answer with this status (and `body`, or Alpaca's error body for the status) without handling */
  status?: number;
  body?: unknown;
  retryAfterSec?: number;
  delayMs?: number;
  /** 'before' stalls before handling (the server has not acted yet); 'after' handles, then stalls */
  delayPhase?: 'before' | 'after';
  /** handle the request (the state changes), then destroy the connection: the response is lost */
  dropResponse?: boolean;
  /** destroy the connection without handling */
  hangUp?: boolean;
  /** requests it applies to; default 1 */
  times?: number;
}

export interface RequestLogEntry {
  host: Host;
  method: string;
  path: string;
  status: number | 'dropped';
  at: number;
}

export interface EmulatorOptions {
  seed?: number;
  symbols?: SymbolSpec[];
  /** emulator clock at start (default: now, rounded to the minute) */
  startTime?: number;
  historyMinutes?: number;
  marketHours?: MarketHours;
  cash?: number;
  keys?: { keyId: string; secret: string };
  /** advance one minute every this many wall-clock ms (null: only when told) */
  tickIntervalMs?: number | null;
  /** partial fills: most quantity executed per order per matching pass */
  maxFillQtyPerMatch?: number | null;
  /** Alpaca's own REST limit, per host: more requests than this in the window get 429 */
  rateLimit?: { max: number; windowMs: number } | null;
  streamAuthTimeoutMs?: number;
  /** fixed port for the trading host (0: any free port); the data host takes the next free one */
  port?: number;
  dataPort?: number;
}

export interface Emulator {
  urls: { api: string; data: string; stream: string; dataStream: string; admin: string };
  keys: { keyId: string; secret: string };
  market: EmuMarket;
  exchange: EmuExchange;
  streams: EmuStreams;
  readonly requests: RequestLogEntry[];
  requestCount(method: string, path: string): number;
  advance(ticks?: number): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  dropStreams(which?: 'trading' | 'data' | 'all', outageMs?: number): void;
  /** submit through the same rules as POST /v2/orders, without HTTP (seeding); throws AlpacaHttpError */
  submitOrder(body: Record<string, unknown>): Record<string, unknown>;
  openExternalPosition(symbol: string, qty: number, price?: number): void;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new AlpacaHttpError(413, { code: CODE.malformed, message: 'request body too large' }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function defaultErrorBody(status: number): Record<string, unknown> {
  switch (status) {
    case 401:
      return { code: CODE.unauthorized, message: 'request is not authorized' };
    case 403:
      return { code: CODE.forbidden, message: 'forbidden' };
    case 404:
      return { code: CODE.notFound, message: 'not found' };
    case 422:
      return { code: CODE.unprocessable, message: 'unprocessable entity' };
    case 429:
      return { code: CODE.rateLimited, message: 'rate limit exceeded' };
    case 502:
    case 503:
    case 504:
      return { code: CODE.internal + (status - 500), message: 'service unavailable' };
    default:
      return status >= 500 ? { code: CODE.internal, message: 'internal server error occurred' } : { code: CODE.invalid, message: 'bad request' };
  }
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** runs after the reply is written (or lost): market orders execute after Alpaca answers */
  after?: () => void;
}

function isoSeconds(t: number): string {
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

function parseTime(s: string | null, what: string): number | null {
  if (s === null || s === '') return null;
  const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(`${s}T00:00:00Z`) : Date.parse(s);
  if (!Number.isFinite(t)) throw new AlpacaHttpError(400, { code: CODE.invalid, message: `invalid ${what}` });
  return t;
}

function matchPath(pattern: string | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const keys = opts.keys ?? { keyId: 'EMULATORKEYID000000', secret: 'emulator-secret-0000000000000000000000' };
  const market = new EmuMarket({
    seed: opts.seed ?? 1,
    symbols: opts.symbols ?? DEFAULT_SYMBOLS,
    startTime: opts.startTime ?? Date.now(),
    historyMinutes: opts.historyMinutes ?? 3 * 1440,
    marketHours: opts.marketHours ?? 'always',
  });
  const exchange = new EmuExchange(market, { cash: opts.cash ?? 100_000, maxFillQtyPerMatch: opts.maxFillQtyPerMatch ?? null });
  const streams = new EmuStreams(keys, market, () => exchange.fillEvents, opts.streamAuthTimeoutMs ?? 10_000);
  exchange.onTradeUpdate((u) => streams.broadcastTradeUpdate(u));
  const faults: (FaultRule & { left: number })[] = [];
  const requests: RequestLogEntry[] = [];
  const windows: Record<Host, number[]> = { trading: [], data: [] };
  const rateLimit = opts.rateLimit === undefined ? { max: 200, windowMs: 60_000 } : opts.rateLimit;

  const advance = (ticks = 1): void => {
    for (let i = 0; i < ticks; i++) {
      const bars = market.tick();
      exchange.onTick(bars);
      streams.broadcastBars(bars);
    }
  };

  // ---------- trading routes ----------

  function orderOr404(id: string): EmuOrder {
    const o = exchange.getOrder(id);
    if (!o) throw new AlpacaHttpError(404, { code: CODE.notFound, message: 'order not found' });
    return o;
  }

  function assetWire(spec: SymbolSpec): Record<string, unknown> {
    const crypto = spec.assetClass === 'crypto';
    return {
      id: assetIdFor(spec.symbol),
      class: spec.assetClass,
      exchange: spec.exchange,
      symbol: spec.symbol,
      name: spec.name,
      status: 'active',
      tradable: true,
      marginable: !crypto,
      maintenance_margin_requirement: crypto ? 100 : 30,
      margin_requirement_long: crypto ? '100' : '50',
      margin_requirement_short: crypto ? '100' : '50',
      shortable: spec.shortable,
      easy_to_borrow: spec.shortable,
      fractionable: spec.fractionable,
      attributes: spec.fractionable && !crypto ? ['fractional_eh_enabled', 'has_options'] : [],
      ...(crypto ? { min_order_size: dec(spec.minOrderSize ?? 0), min_trade_increment: dec(spec.minTradeIncrement ?? 0), price_increment: dec(spec.priceIncrement ?? 0.01) } : {}),
    };
  }

  function findSpec(symbolOrId: string): SymbolSpec | null {
    return market.specs().find((s) => s.symbol === symbolOrId || positionSymbol(s.symbol) === symbolOrId || assetIdFor(s.symbol) === symbolOrId) ?? null;
  }

  function accountWire(): Record<string, unknown> {
    const a = exchange.account();
    return {
      id: '904837e3-3b76-47ec-b432-046db621571b',
      account_number: 'PA3EMULATOR1',
      status: 'ACTIVE',
      crypto_status: 'ACTIVE',
      currency: 'USD',
      buying_power: dec(a.buyingPower),
      regt_buying_power: dec(a.buyingPower),
      daytrading_buying_power: '0',
      effective_buying_power: dec(a.buyingPower),
      non_marginable_buying_power: dec(a.buyingPower),
      options_buying_power: dec(a.buyingPower),
      bod_dtbp: '0',
      cash: dec(a.cash),
      accrued_fees: '0',
      portfolio_value: dec(a.equity),
      pattern_day_trader: false,
      trading_blocked: false,
      transfers_blocked: false,
      account_blocked: false,
      created_at: '2024-01-02T15:04:05.123456Z',
      trade_suspended_by_user: false,
      multiplier: '1',
      shorting_enabled: false,
      equity: dec(a.equity),
      last_equity: dec(a.lastEquity),
      long_market_value: dec(a.longValue),
      short_market_value: dec(a.shortValue),
      position_market_value: dec(a.longValue + a.shortValue),
      initial_margin: dec(a.longValue),
      maintenance_margin: dec(a.longValue * 0.3),
      last_maintenance_margin: '0',
      sma: '0',
      daytrade_count: 0,
      balance_asof: new Date(market.now).toISOString().slice(0, 10),
      crypto_tier: 1,
      intraday_adjustments: '0',
      pending_reg_taf_fees: '0',
      options_approved_level: 0,
      options_trading_level: 0,
    };
  }

  function listOrders(q: URLSearchParams): Reply {
    const status = q.get('status') ?? 'open';
    if (status !== 'open' && status !== 'closed' && status !== 'all') throw new AlpacaHttpError(422, { code: CODE.invalid, message: 'invalid status' });
    const limit = Math.min(500, Math.max(1, Number(q.get('limit') ?? 50) || 50));
    const direction = q.get('direction') ?? 'desc';
    const nested = q.get('nested') === 'true';
    const symbols = q.get('symbols')?.split(',').filter(Boolean) ?? null;
    const side = q.get('side');
    const after = parseTime(q.get('after'), 'after');
    const until = parseTime(q.get('until'), 'until');
    let list = exchange.listOrders().filter((o) => {
      const open = exchange.isOpen(o);
      if (status === 'open' && !open) return false;
      if (status === 'closed' && open) return false;
      if (nested && o.parentId !== null) return false;
      if (symbols && !symbols.includes(o.symbol)) return false;
      if (side && o.side !== side) return false;
      if (after !== null && !(o.createdAt > after)) return false;
      if (until !== null && !(o.createdAt < until)) return false;
      return true;
    });
    // creation order is insertion order: stable even when timestamps are equal
    if (direction === 'desc') list = list.reverse();
    const afterId = q.get('after_order_id');
    if (afterId) {
      const i = list.findIndex((o) => o.id === afterId);
      list = i >= 0 ? list.slice(i + 1) : list;
    }
    return { status: 200, body: list.slice(0, limit).map((o) => exchange.orderWire(o, nested)) };
  }

  function closeAllPositions(cancelOrders: boolean): Reply {
    if (cancelOrders) exchange.cancelAll();
    const results: unknown[] = [];
    const created: EmuOrder[] = [];
    for (const p of [...exchange.positions.values()]) {
      try {
        const o = exchange.closePosition(p, null);
        created.push(o);
        results.push({ symbol: positionSymbol(p.symbol), status: 200, body: exchange.orderWire(o, false) });
      } catch (e) {
        if (!(e instanceof AlpacaHttpError)) throw e;
        results.push({ symbol: positionSymbol(p.symbol), status: e.status, body: e.body });
      }
    }
    return { status: 207, body: results, after: () => created.forEach((o) => exchange.matchOnArrival(o)) };
  }

  function tradingRoute(method: string, path: string, q: URLSearchParams, rawBody: string): Reply {
    if (path === '/v2/account' && method === 'GET') return { status: 200, body: accountWire() };
    if (path === '/v2/clock' && method === 'GET') {
      const c = market.nextOpenClose();
      return { status: 200, body: { timestamp: new Date(market.now).toISOString(), is_open: c.isOpen, next_open: new Date(c.nextOpen).toISOString(), next_close: new Date(c.nextClose).toISOString() } };
    }
    if (path === '/v2/orders') {
      if (method === 'GET') return listOrders(q);
      if (method === 'POST') {
        let body: unknown;
        try {
          body = JSON.parse(rawBody);
        } catch {
          throw new AlpacaHttpError(400, { code: CODE.malformed, message: 'request body format is invalid' });
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AlpacaHttpError(400, { code: CODE.malformed, message: 'request body format is invalid' });
        const o = exchange.submit(body as Record<string, unknown>);
        return { status: 200, body: exchange.orderWire(o, true), after: () => exchange.matchOnArrival(o) };
      }
      if (method === 'DELETE') {
        const done = exchange.cancelAll();
        return { status: 207, body: done.map((o) => ({ id: o.id, status: 200, body: exchange.orderWire(o, false) })) };
      }
    }
    if (path === '/v2/orders:by_client_order_id' && method === 'GET') {
      const id = q.get('client_order_id');
      if (!id) throw new AlpacaHttpError(422, { code: CODE.invalid, message: 'client_order_id is required' });
      const o = exchange.getByClientId(id);
      if (!o) throw new AlpacaHttpError(404, { code: CODE.notFound, message: 'order not found' });
      return { status: 200, body: exchange.orderWire(o, true) };
    }
    const orderMatch = /^\/v2\/orders\/([^/]+)$/.exec(path);
    if (orderMatch) {
      const id = decodeURIComponent(orderMatch[1] as string);
      if (method === 'GET') return { status: 200, body: exchange.orderWire(orderOr404(id), q.get('nested') === 'true') };
      if (method === 'DELETE') {
        const o = orderOr404(id);
        if (!exchange.cancel(o)) throw new AlpacaHttpError(422, { code: CODE.unprocessable, message: 'order is not cancelable' });
        return { status: 204 };
      }
      if (method === 'PATCH') {
        const o = orderOr404(id);
        let body: unknown;
        try {
          body = JSON.parse(rawBody);
        } catch {
          throw new AlpacaHttpError(400, { code: CODE.malformed, message: 'request body format is invalid' });
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AlpacaHttpError(400, { code: CODE.malformed, message: 'request body format is invalid' });
        const next = exchange.replace(o, body as Record<string, unknown>);
        return { status: 200, body: exchange.orderWire(next, true), after: () => exchange.matchOnArrival(next) };
      }
    }
    if (path === '/v2/positions') {
      if (method === 'GET') return { status: 200, body: [...exchange.positions.values()].map((p) => exchange.positionWire(p)) };
      if (method === 'DELETE') return closeAllPositions(q.get('cancel_orders') === 'true');
    }
    const posMatch = /^\/v2\/positions\/([^/]+)$/.exec(path);
    if (posMatch) {
      const sym = decodeURIComponent(posMatch[1] as string);
      const p = exchange.findPosition(sym);
      if (!p) throw new AlpacaHttpError(404, { code: CODE.notFound, message: 'position does not exist' });
      if (method === 'GET') return { status: 200, body: exchange.positionWire(p) };
      if (method === 'DELETE') {
        const pct = q.get('percentage');
        const qtyParam = q.get('qty');
        const qty = qtyParam !== null ? Number(qtyParam) : pct !== null ? (Math.abs(p.qty) * Number(pct)) / 100 : null;
        if (qty !== null && !(qty > 0)) throw new AlpacaHttpError(422, { code: CODE.invalid, message: 'invalid qty or percentage' });
        const o = exchange.closePosition(p, qty);
        return { status: 200, body: exchange.orderWire(o, false), after: () => exchange.matchOnArrival(o) };
      }
    }
    if (path === '/v2/assets' && method === 'GET') {
      const cls = q.get('asset_class');
      const status = q.get('status');
      const list = market.specs().filter((s) => (!cls || s.assetClass === cls) && (!status || status === 'active'));
      return { status: 200, body: list.map(assetWire) };
    }
    const assetMatch = /^\/v2\/assets\/(.+)$/.exec(path);
    if (assetMatch && method === 'GET') {
      const spec = findSpec(decodeURIComponent(assetMatch[1] as string));
      if (!spec) throw new AlpacaHttpError(404, { code: CODE.notFound, message: 'asset not found' });
      return { status: 200, body: assetWire(spec) };
    }
    throw new AlpacaHttpError(404, { code: CODE.notFound, message: 'endpoint not found' });
  }

  // ---------- market data routes ----------

  function barWire(b: EmuBar): Record<string, unknown> {
    return { t: isoSeconds(b.t), o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, n: b.n, vw: Math.round(b.vw * 1e4) / 1e4 };
  }

  /**
   * Alpaca's bar pagination: symbols in ascending order, `limit` bars per page across all symbols,
   * `next_page_token` naming where the next page starts (opaque to clients: base64 here).
   */
  function barsPage(symbols: string[], q: URLSearchParams, crypto: boolean): { bars: Record<string, unknown[]>; next: string | null } {
    const tf = q.get('timeframe');
    if (!tf) throw new AlpacaHttpError(400, { code: CODE.invalid, message: 'timeframe is required' });
    const tfMs = timeframeMs(tf);
    if (tfMs === null) throw new AlpacaHttpError(400, { code: CODE.invalid, message: 'invalid timeframe' });
    const limitRaw = q.get('limit');
    const limit = limitRaw === null ? 1000 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new AlpacaHttpError(400, { code: CODE.invalid, message: 'invalid limit: must be between 1 and 10000' });
    const sort = q.get('sort') ?? 'asc';
    if (sort !== 'asc' && sort !== 'desc') throw new AlpacaHttpError(400, { code: CODE.invalid, message: 'invalid sort' });
    const feed = q.get('feed');
    if (!crypto && feed !== null && !['iex', 'sip', 'delayed_sip', 'otc', 'boats'].includes(feed)) throw new AlpacaHttpError(400, { code: CODE.invalid, message: 'invalid feed' });
    const start = parseTime(q.get('start'), 'start') ?? Math.floor(market.now / 86_400_000) * 86_400_000;
    const end = parseTime(q.get('end'), 'end') ?? market.now;
    let startSymbol: string | null = null;
    let startT: number | null = null;
    const token = q.get('page_token');
    if (token) {
      const decoded = Buffer.from(token, 'base64').toString('utf8');
      const m = /^(.+)\|(\d+)$/.exec(decoded);
      if (!m) throw new AlpacaHttpError(400, { code: CODE.invalid, message: 'invalid page_token' });
      startSymbol = m[1] as string;
      startT = Number(m[2]);
    }
    const sorted = [...new Set(symbols)].sort();
    const out: Record<string, unknown[]> = {};
    let count = 0;
    for (const symbol of sorted) {
      if (startSymbol !== null && symbol < startSymbol) continue;
      const spec = market.spec(symbol);
      if (!spec || (spec.assetClass === 'crypto') !== crypto) continue;
      let bars = market.bars(symbol, tfMs, start, end);
      if (sort === 'desc') bars = bars.reverse();
      if (startSymbol === symbol && startT !== null) {
        const from = startT;
        bars = bars.filter((b) => (sort === 'asc' ? b.t >= from : b.t <= from));
      }
      for (const b of bars) {
        if (count === limit) return { bars: out, next: Buffer.from(`${symbol}|${b.t}`).toString('base64') };
        (out[symbol] ??= []).push(barWire(b));
        count++;
      }
    }
    return { bars: out, next: null };
  }

  function symbolsParam(q: URLSearchParams): string[] {
    const s = q.get('symbols');
    if (!s) throw new AlpacaHttpError(400, { code: CODE.invalid, message: 'symbols is required' });
    return s.split(',').map((x) => x.trim()).filter(Boolean);
  }

  function dataRoute(method: string, path: string, q: URLSearchParams): Reply {
    if (method !== 'GET') throw new AlpacaHttpError(405, { code: CODE.invalid, message: 'method not allowed' });
    if (path === '/v2/stocks/bars') {
      const page = barsPage(symbolsParam(q), q, false);
      return { status: 200, body: { bars: page.bars, next_page_token: page.next, currency: 'USD' } };
    }
    const single = /^\/v2\/stocks\/([^/]+)\/bars$/.exec(path);
    if (single) {
      const symbol = decodeURIComponent(single[1] as string);
      const page = barsPage([symbol], q, false);
      return { status: 200, body: { bars: page.bars[symbol] ?? [], symbol, next_page_token: page.next, currency: 'USD' } };
    }
    if (path === '/v1beta3/crypto/us/bars') {
      const page = barsPage(symbolsParam(q), q, true);
      return { status: 200, body: { bars: page.bars, next_page_token: page.next } };
    }
    throw new AlpacaHttpError(404, { code: CODE.notFound, message: 'endpoint not found' });
  }

  // ---------- admin (no auth, loopback only) ----------

  async function adminRoute(method: string, path: string, rawBody: string): Promise<Reply> {
    const body = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : {};
    if (path === '/__admin/state' && method === 'GET') {
      return {
        status: 200,
        body: {
          now: new Date(market.now).toISOString(),
          account: accountWire(),
          orders: exchange.listOrders().map((o) => exchange.orderWire(o, false)),
          positions: [...exchange.positions.values()].map((p) => exchange.positionWire(p)),
          streams: streams.stats,
        },
      };
    }
    if (path === '/__admin/advance' && method === 'POST') {
      advance(typeof body.ticks === 'number' ? body.ticks : 1);
      return { status: 200, body: { now: new Date(market.now).toISOString() } };
    }
    if (path === '/__admin/faults' && method === 'POST') {
      addFault(body as FaultRule);
      return { status: 200, body: { faults: faults.length } };
    }
    if (path === '/__admin/faults' && method === 'DELETE') {
      faults.length = 0;
      return { status: 204 };
    }
    if (path === '/__admin/streams/drop' && method === 'POST') {
      const which = body.which === 'trading' || body.which === 'data' ? body.which : 'all';
      streams.drop(which, typeof body.outageMs === 'number' ? body.outageMs : 0);
      return { status: 204 };
    }
    if (path === '/__admin/fills/duplicate' && method === 'POST') {
      exchange.duplicateFills = typeof body.copies === 'number' ? body.copies : 1;
      return { status: 204 };
    }
    if (path === '/__admin/positions' && method === 'POST') {
      if (typeof body.symbol !== 'string' || typeof body.qty !== 'number') throw new AlpacaHttpError(422, { code: CODE.invalid, message: 'symbol and qty are required' });
      exchange.openExternalPosition(body.symbol, body.qty, typeof body.price === 'number' ? body.price : null);
      return { status: 204 };
    }
    if (path === '/__admin/trade-updates/raw' && method === 'POST') {
      streams.sendRawTrading(typeof body.raw === 'string' ? body.raw : JSON.stringify(body.raw));
      return { status: 204 };
    }
    throw new AlpacaHttpError(404, { code: CODE.notFound, message: 'admin endpoint not found' });
  }

  function addFault(rule: FaultRule): void {
    faults.push({ ...rule, left: rule.times ?? 1 });
  }

  // ---------- plumbing ----------

  function write(res: ServerResponse, reply: Reply, extraHeaders: Record<string, string>): void {
    const headers: Record<string, string> = { 'X-Request-ID': randomUUID().replace(/-/g, ''), ...extraHeaders, ...reply.headers };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...headers, 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(text);
  }

  function rateHeaders(host: Host, now: number): { headers: Record<string, string>; exceeded: boolean } {
    if (!rateLimit) return { headers: {}, exceeded: false };
    const w = windows[host];
    while (w.length > 0 && (w[0] as number) <= now - rateLimit.windowMs) w.shift();
    const exceeded = w.length >= rateLimit.max;
    if (!exceeded) w.push(now);
    const reset = Math.ceil(((w[0] ?? now) + rateLimit.windowMs) / 1000);
    return {
      exceeded,
      headers: { 'X-RateLimit-Limit': String(rateLimit.max), 'X-RateLimit-Remaining': String(Math.max(0, rateLimit.max - w.length)), 'X-RateLimit-Reset': String(reset) },
    };
  }

  /** Keys must match, except that crypto market data is public: Alpaca (and the SDK) send none there. */
  function authorized(host: Host, path: string, req: IncomingMessage): boolean {
    const id = req.headers['apca-api-key-id'];
    const secret = req.headers['apca-api-secret-key'];
    if (host === 'data' && path.startsWith('/v1beta3/crypto/') && id === undefined && secret === undefined) return true;
    return id === keys.keyId && secret === keys.secret;
  }

  async function handle(host: Host, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const entry: RequestLogEntry = { host, method, path, status: 0, at: Date.now() };
    let rawBody = '';
    try {
      rawBody = await readBody(req);
    } catch (e) {
      if (e instanceof AlpacaHttpError) write(res, { status: e.status, body: e.body }, {});
      return;
    }
    if (host === 'trading' && path.startsWith('/__admin/')) {
      try {
        write(res, await adminRoute(method, path, rawBody), {});
      } catch (e) {
        const err = e instanceof AlpacaHttpError ? e : new AlpacaHttpError(400, { code: CODE.malformed, message: String(e) });
        write(res, { status: err.status, body: err.body }, {});
      }
      return;
    }
    requests.push(entry);

    const fault = faults.find((f) => f.left > 0 && (!f.host || f.host === host) && (!f.method || f.method.toUpperCase() === method) && matchPath(f.path, path));
    if (fault) fault.left--;
    if (fault?.hangUp) {
      entry.status = 'dropped';
      req.socket.destroy();
      return;
    }
    if (fault?.delayMs && fault.delayPhase !== 'after') await sleep(fault.delayMs);
    if (fault?.status) {
      entry.status = fault.status;
      const headers: Record<string, string> = fault.retryAfterSec !== undefined ? { 'Retry-After': String(fault.retryAfterSec) } : {};
      write(res, { status: fault.status, body: fault.body ?? defaultErrorBody(fault.status) }, headers);
      return;
    }

    const rl = rateHeaders(host, Date.now());
    let reply: Reply;
    if (rl.exceeded) {
      reply = { status: 429, body: defaultErrorBody(429), headers: { 'Retry-After': String(Math.max(1, Number(rl.headers['X-RateLimit-Reset']) - Math.floor(Date.now() / 1000))) } };
    } else if (!authorized(host, path, req)) {
      reply = { status: 401, body: defaultErrorBody(401) };
    } else {
      try {
        reply = host === 'trading' ? tradingRoute(method, path, url.searchParams, rawBody) : dataRoute(method, path, url.searchParams);
      } catch (e) {
        if (e instanceof AlpacaHttpError) reply = { status: e.status, body: e.body };
        else reply = { status: 500, body: { code: CODE.internal, message: `internal server error occurred: ${String(e)}` } };
      }
    }
    if (fault?.dropResponse) {
      entry.status = 'dropped';
      req.socket.destroy();
      if (reply.after) setImmediate(reply.after);
      return;
    }
    if (fault?.delayMs && fault.delayPhase === 'after') await sleep(fault.delayMs);
    entry.status = reply.status;
    write(res, reply, rl.headers);
    if (reply.after) setImmediate(reply.after);
  }

  function makeServer(host: Host): Server {
    const server = createServer((req, res) => {
      handle(host, req, res).catch((e: unknown) => {
        if (!res.headersSent) write(res, { status: 500, body: { code: CODE.internal, message: String(e) } }, {});
      });
    });
    server.on('upgrade', (req, socket, head) => (host === 'trading' ? streams.upgradeTrading(req, socket, head) : streams.upgradeData(req, socket, head)));
    return server;
  }

  const listen = (server: Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });

  const tradingServer = makeServer('trading');
  const dataServer = makeServer('data');
  const tradingPort = await listen(tradingServer, opts.port ?? 0);
  const dataPort = await listen(dataServer, opts.dataPort ?? 0);
  const timer = opts.tickIntervalMs ? setInterval(() => advance(1), opts.tickIntervalMs) : null;

  const api = `http://127.0.0.1:${tradingPort}`;
  const data = `http://127.0.0.1:${dataPort}`;
  return {
    urls: { api, data, stream: `ws://127.0.0.1:${tradingPort}/stream`, dataStream: `ws://127.0.0.1:${dataPort}`, admin: `${api}/__admin` },
    keys,
    market,
    exchange,
    streams,
    requests,
    requestCount: (method, path) => requests.filter((r) => r.method === method && r.path === path).length,
    advance,
    addFault,
    clearFaults: () => {
      faults.length = 0;
    },
    dropStreams: (which = 'all', outageMs = 0) => streams.drop(which, outageMs),
    submitOrder: (body) => {
      const o = exchange.submit(body);
      setImmediate(() => exchange.matchOnArrival(o));
      return exchange.orderWire(o, true);
    },
    openExternalPosition: (symbol, qty, price) => {
      exchange.openExternalPosition(symbol, qty, price ?? null);
    },
    close: async () => {
      if (timer) clearInterval(timer);
      streams.close();
      for (const s of [tradingServer, dataServer]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
}

export { MINUTE_MS };
