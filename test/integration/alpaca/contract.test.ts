// Contract: the official SDK (v4, through our factory's fetchApi rewrite and stream URLs) against the
// emulator, for every endpoint and stream the app uses. Each test names the Alpaca behaviour it pins.
import { ApiError, AuthError, NotFoundError, PermissionError, RateLimitError, TimeFrame, ValidationError, type streaming } from '@alpacahq/alpaca-trade-api';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { AlpacaClient } from '../../../engine/adapters/alpaca/client';
import type { Emulator } from '../../emulator/server';
import { clientFor, emulator, T0, tick, waitFor } from './harness';

let emu: Emulator;
let client: AlpacaClient;
let seq = 0;
const cid = (what: string): string => `contract-${what}-${++seq}`;

beforeAll(async () => {
  emu = await emulator({ cash: 1_000_000 });
  client = clientFor(emu);
});

afterAll(async () => {
  client.close();
  await emu.close();
});

beforeEach(() => {
  emu.clearFaults();
  emu.exchange.duplicateFills = 0;
});

const orders = () => client.sdk.trading.orders;

describe('trading REST', () => {
  it('GET /v2/account returns the account with decimal-string balances', async () => {
    const a = await client.sdk.trading.account.getAccount();
    expect(a.status).toBe('ACTIVE');
    expect(a.currency).toBe('USD');
    expect(typeof a.cash).toBe('string');
    expect(Number(a.buyingPower)).toBeGreaterThan(0);
    expect(Number(a.equity)).toBeCloseTo(Number(a.cash) + Number(a.longMarketValue ?? 0), 6);
  });

  it('wrong keys are refused with 401 {code 40110000, "request is not authorized"}', async () => {
    const bad = clientFor(emu, { APCA_API_SECRET_KEY: 'wrong' });
    const err = await bad.sdk.trading.account.getAccount().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).status).toBe(401);
    expect((err as AuthError).code).toBe(40110000);
    expect((err as AuthError).message).toBe('request is not authorized');
    const check = await bad.sdk.trading.validateConnection();
    expect(check.ok).toBe(false);
    bad.close();
  });

  it('POST /v2/orders market: answered "new", then filled; found by id and by client_order_id', async () => {
    const clientOrderId = cid('mkt');
    const o = await orders().market({ symbol: 'AAPL', qty: 2, side: 'buy', clientOrderId });
    expect(o.clientOrderId).toBe(clientOrderId);
    expect(o.status).toBe('new');
    expect(o.type).toBe('market');
    expect(o.timeInForce).toBe('day');
    expect(o.qty).toBe('2');
    await tick();
    const byId = await orders().getOrderByOrderID({ orderId: o.id as string });
    expect(byId.status).toBe('filled');
    expect(byId.filledQty).toBe('2');
    expect(Number(byId.filledAvgPrice)).toBeGreaterThan(0);
    const byClient = await orders().getOrderByClientOrderId({ clientOrderId });
    expect(byClient.id).toBe(o.id);
  });

  it('a reused client_order_id is refused with 422 {40010001, "client_order_id must be unique"}', async () => {
    const clientOrderId = cid('dup');
    await orders().limit({ symbol: 'AAPL', qty: 1, side: 'buy', limitPrice: 1, clientOrderId });
    const err = await orders().limit({ symbol: 'AAPL', qty: 1, side: 'buy', limitPrice: 1, clientOrderId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).status).toBe(422);
    expect((err as ValidationError).code).toBe(40010001);
    expect((err as ValidationError).message).toBe('client_order_id must be unique');
  });

  it('insufficient buying power is refused with 403 {40310000} and the buying power in the body', async () => {
    const err = await orders().market({ symbol: 'SPY', qty: 100_000, side: 'buy', clientOrderId: cid('bp') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionError);
    expect((err as PermissionError).code).toBe(40310000);
    expect((err as PermissionError).message).toBe('insufficient buying power');
    const body = (await (err as PermissionError).response.clone().json()) as Record<string, unknown>;
    expect(Number(body.buying_power)).toBeGreaterThan(0);
  });

  it('selling more than is held is refused with 403 "insufficient qty available"', async () => {
    const err = await orders().market({ symbol: 'TSLA', qty: 5, side: 'sell', clientOrderId: cid('short') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionError);
    expect((err as PermissionError).message).toMatch(/^insufficient qty available for order \(requested: 5, available: 0\)$/);
  });

  it('validation errors are 422: missing limit_price, sub-penny price, bad time_in_force', async () => {
    const noLimit = await orders()
      .postOrder({ postOrderRequest: { symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', timeInForce: 'day', clientOrderId: cid('v1') } })
      .catch((e: unknown) => e);
    expect(noLimit).toBeInstanceOf(ValidationError);
    expect((noLimit as ValidationError).message).toBe('limit_price is required');
    const subPenny = await orders().limit({ symbol: 'AAPL', qty: 1, side: 'buy', limitPrice: '100.005', clientOrderId: cid('v2') }).catch((e: unknown) => e);
    expect((subPenny as ValidationError).status).toBe(422);
    expect((subPenny as ValidationError).message).toMatch(/sub-penny/);
    const badTif = await orders().market({ symbol: 'AAPL', qty: 1, side: 'buy', timeInForce: 'opg', clientOrderId: cid('v3') }).catch((e: unknown) => e);
    expect((badTif as ValidationError).status).toBe(422);
  });

  it('limit, stop and stop_limit orders with day/gtc rest open; an unmarketable IOC is canceled at once', async () => {
    const px = emu.market.lastPrice('MSFT') as number;
    const lim = await orders().limit({ symbol: 'MSFT', qty: 1, side: 'buy', limitPrice: (px * 0.5).toFixed(2), timeInForce: 'gtc', clientOrderId: cid('lim') });
    const stp = await orders().stop({ symbol: 'MSFT', qty: 1, side: 'buy', stopPrice: (px * 1.5).toFixed(2), clientOrderId: cid('stp') });
    const stl = await orders().stopLimit({ symbol: 'MSFT', qty: 1, side: 'buy', stopPrice: (px * 1.5).toFixed(2), limitPrice: (px * 1.6).toFixed(2), clientOrderId: cid('stl') });
    const ioc = await orders().limit({ symbol: 'MSFT', qty: 1, side: 'buy', limitPrice: (px * 0.5).toFixed(2), timeInForce: 'ioc', clientOrderId: cid('ioc') });
    await tick();
    const open = await orders().getAllOrders({ status: 'open', symbols: ['MSFT'], limit: 500 });
    const ids = open.map((o) => o.id);
    expect(ids).toEqual(expect.arrayContaining([lim.id, stp.id, stl.id]));
    expect(ids).not.toContain(ioc.id);
    expect((await orders().getOrderByOrderID({ orderId: ioc.id as string })).status).toBe('canceled');
    expect(open.find((o) => o.id === stl.id)?.type).toBe('stop_limit');
  });

  it('a limit order fills when the price path crosses it (partial fills under limited liquidity)', async () => {
    emu.exchange.maxFillQtyPerMatch = 3;
    try {
      const px = emu.market.lastPrice('SPY') as number;
      const o = await orders().limit({ symbol: 'SPY', qty: 7, side: 'buy', limitPrice: (px + 50).toFixed(2), clientOrderId: cid('part') });
      await tick();
      expect((await orders().getOrderByOrderID({ orderId: o.id as string })).status).toBe('partially_filled');
      emu.advance(2);
      const done = await orders().getOrderByOrderID({ orderId: o.id as string });
      expect(done.status).toBe('filled');
      expect(done.filledQty).toBe('7');
    } finally {
      emu.exchange.maxFillQtyPerMatch = null;
    }
  });

  it('a notional market order buys a fractional quantity', async () => {
    const o = await orders().market({ symbol: 'AAPL', notional: 100, side: 'buy', clientOrderId: cid('notional') });
    expect(o.notional).toBe('100');
    expect(o.qty ?? null).toBeNull();
    await tick();
    const f = await orders().getOrderByOrderID({ orderId: o.id as string });
    expect(f.status).toBe('filled');
    expect(Number(f.filledQty) * Number(f.filledAvgPrice)).toBeCloseTo(100, 4);
  });

  it('a stock bracket order carries nested held legs that activate when the entry fills', async () => {
    const px = emu.market.lastPrice('AAPL') as number;
    const o = await orders().bracket({
      symbol: 'AAPL',
      qty: 3,
      side: 'buy',
      takeProfit: { limitPrice: (px + 20).toFixed(2) },
      stopLoss: { stopPrice: (px - 20).toFixed(2) },
      clientOrderId: cid('bracket'),
    } as Parameters<ReturnType<typeof orders>['bracket']>[0]);
    expect(o.orderClass).toBe('bracket');
    expect(o.legs).toHaveLength(2);
    expect(o.legs?.map((l) => l.status)).toEqual(['held', 'held']);
    await tick();
    const nested = await orders().getOrderByOrderID({ orderId: o.id as string, nested: true });
    expect(nested.status).toBe('filled');
    expect(nested.legs?.map((l) => l.status)).toEqual(['new', 'new']);
  });

  it('a crypto bracket is refused as Alpaca refuses it; crypto day orders too', async () => {
    const px = emu.market.lastPrice('BTC/USD') as number;
    const bracket = await orders()
      .postOrder({
        postOrderRequest: {
          symbol: 'BTC/USD',
          qty: '0.01',
          side: 'buy',
          type: 'market',
          timeInForce: 'gtc',
          orderClass: 'bracket',
          takeProfit: { limitPrice: String(Math.round(px + 1000)) },
          stopLoss: { stopPrice: String(Math.round(px - 1000)) },
          clientOrderId: cid('cbracket'),
        },
      })
      .catch((e: unknown) => e);
    expect(bracket).toBeInstanceOf(ValidationError);
    expect((bracket as ValidationError).message).toBe('crypto orders not allowed for advanced order_class: bracket');
    const day = await orders().market({ symbol: 'BTC/USD', qty: 0.01, side: 'buy', timeInForce: 'day', clientOrderId: cid('cday') }).catch((e: unknown) => e);
    expect((day as ValidationError).message).toBe('invalid crypto time_in_force');
  });

  it('GET /v2/orders pages with limit and after_order_id in ascending order', async () => {
    for (let i = 0; i < 5; i++) await orders().limit({ symbol: 'GME', qty: 1, side: 'buy', limitPrice: 1, clientOrderId: cid(`page${i}`) });
    const all = await orders().getAllOrders({ status: 'open', symbols: 'GME', direction: 'asc', limit: 500 });
    const first = await orders().getAllOrders({ status: 'open', symbols: 'GME', direction: 'asc', limit: 2 });
    const second = await orders().getAllOrders({ status: 'open', symbols: 'GME', direction: 'asc', limit: 2, afterOrderId: first[1]?.id });
    expect(first.map((o) => o.id)).toEqual(all.slice(0, 2).map((o) => o.id));
    expect(second.map((o) => o.id)).toEqual(all.slice(2, 4).map((o) => o.id));
  });

  it('DELETE /v2/orders/{id} cancels (204); again is 422 "order is not cancelable"; unknown id is 404', async () => {
    const o = await orders().limit({ symbol: 'AAPL', qty: 1, side: 'buy', limitPrice: 1, clientOrderId: cid('cancel') });
    await orders().deleteOrderByOrderID({ orderId: o.id as string });
    expect((await orders().getOrderByOrderID({ orderId: o.id as string })).status).toBe('canceled');
    const again = await orders().deleteOrderByOrderID({ orderId: o.id as string }).catch((e: unknown) => e);
    expect((again as ValidationError).status).toBe(422);
    expect((again as ValidationError).message).toBe('order is not cancelable');
    const missing = await orders().getOrderByOrderID({ orderId: '00000000-0000-0000-0000-000000000000' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    const missingClient = await orders().getOrderByClientOrderId({ clientOrderId: 'never-sent' }).catch((e: unknown) => e);
    expect(missingClient).toBeInstanceOf(NotFoundError);
  });

  it('PATCH /v2/orders/{id} replaces an order: the old one ends "replaced"', async () => {
    const o = await orders().limit({ symbol: 'AAPL', qty: 1, side: 'buy', limitPrice: 1, clientOrderId: cid('repl') });
    const next = await orders().patchOrderByOrderId({ orderId: o.id as string, patchOrderRequest: { limitPrice: '1.5', qty: '2' } });
    expect(next.replaces).toBe(o.id);
    const old = await orders().getOrderByOrderID({ orderId: o.id as string });
    expect(old.status).toBe('replaced');
    expect(old.replacedBy).toBe(next.id);
  });

  it('DELETE /v2/orders cancels every open order (207, one status per order)', async () => {
    await orders().limit({ symbol: 'AAPL', qty: 1, side: 'buy', limitPrice: 1, clientOrderId: cid('all1') });
    const res = await orders().deleteAllOrders();
    expect(res.length).toBeGreaterThan(0);
    expect(res.every((r) => r.status === 200 && typeof r.id === 'string')).toBe(true);
    expect(await orders().getAllOrders({ status: 'open' })).toEqual([]);
  });

  it('positions: GET lists them (crypto as BTCUSD), DELETE /{symbol} closes one, DELETE all closes the rest', async () => {
    await orders().market({ symbol: 'MSFT', qty: 4, side: 'buy', clientOrderId: cid('pos1') });
    await orders().market({ symbol: 'BTC/USD', qty: 0.05, side: 'buy', timeInForce: 'gtc', clientOrderId: cid('pos2') });
    await tick();
    const positions = await client.sdk.trading.positions.getAllOpenPositions();
    const symbols = positions.map((p) => p.symbol);
    expect(symbols).toEqual(expect.arrayContaining(['MSFT', 'BTCUSD']));
    const btc = positions.find((p) => p.symbol === 'BTCUSD');
    expect(btc?.assetClass).toBe('crypto');
    expect(btc?.side).toBe('long');
    const closing = await client.sdk.trading.positions.deleteOpenPosition({ symbolOrAssetId: 'MSFT' });
    expect(closing.side).toBe('sell');
    await tick();
    expect((await client.sdk.trading.positions.getAllOpenPositions()).map((p) => p.symbol)).not.toContain('MSFT');
    const all = await client.sdk.trading.positions.deleteAllOpenPositions({ cancelOrders: true });
    expect(all.every((r) => r.status === 200)).toBe(true);
    await tick();
    expect(await client.sdk.trading.positions.getAllOpenPositions()).toEqual([]);
    const none = await client.sdk.trading.positions.getOpenPosition({ symbolOrAssetId: 'MSFT' }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(NotFoundError);
  });

  it('GET /v2/clock says whether the market is open and when it next opens and closes', async () => {
    const c = await client.sdk.trading.clock.legacyClock();
    expect(c.isOpen).toBe(true);
    expect(c.timestamp.getTime()).toBe(emu.market.now);
    expect(c.nextClose.getTime()).toBeGreaterThan(c.timestamp.getTime());
  });

  it('GET /v2/assets and /v2/assets/{symbol} describe tradability, fractionability and increments; unknown is 404', async () => {
    const all = await client.sdk.trading.assets.getV2Assets({ assetClass: 'crypto' });
    expect(all.map((a) => a.symbol)).toEqual(['BTC/USD', 'ETH/USD']);
    const btc = await client.sdk.trading.assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: 'BTC/USD' });
    expect(btc._class).toBe('crypto');
    expect(btc.minOrderSize).toBe('0.0001');
    const gme = await client.sdk.trading.assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: 'GME' });
    expect(gme.fractionable).toBe(false);
    expect(gme.shortable).toBe(false);
    const missing = await client.sdk.trading.assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: 'NOPE' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
  });

  it('429 carries Retry-After: a GET is retried by the SDK, a POST is not', async () => {
    emu.addFault({ method: 'GET', path: '/v2/account', status: 429, retryAfterSec: 0 });
    await expect(client.sdk.trading.account.getAccount()).resolves.toBeTruthy();
    const posts = emu.requestCount('POST', '/v2/orders');
    emu.addFault({ method: 'POST', path: '/v2/orders', status: 429, retryAfterSec: 7 });
    const err = await orders().market({ symbol: 'AAPL', qty: 1, side: 'buy', clientOrderId: cid('429') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfterMs).toBe(7000);
    expect(emu.requestCount('POST', '/v2/orders')).toBe(posts + 1);
  });

  it('5xx comes back as ApiError with Alpaca\'s body', async () => {
    emu.addFault({ method: 'DELETE', path: '/v2/orders', status: 500 });
    const err = await orders().deleteAllOrders().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(500);
    expect((err as ApiError).code).toBe(50010000);
  });

  it('every response carries X-RateLimit headers and an X-Request-ID', async () => {
    const res = await fetch(`${emu.urls.api}/v2/clock`, { headers: { 'APCA-API-KEY-ID': emu.keys.keyId, 'APCA-API-SECRET-KEY': emu.keys.secret } });
    expect(res.headers.get('X-RateLimit-Limit')).toBe('200');
    expect(Number(res.headers.get('X-RateLimit-Remaining'))).toBeLessThan(200);
    expect(res.headers.get('X-Request-ID')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('market data REST', () => {
  it('GET /v2/stocks/bars pages with next_page_token; the pages add up to the single-request answer', async () => {
    const req = { symbols: ['AAPL', 'MSFT'], timeframe: TimeFrame.Hour, start: new Date(T0 - 86_400_000), end: new Date(T0) };
    const whole = await client.sdk.marketData.stocks.stockBars({ ...req, symbols: 'AAPL,MSFT', limit: 10_000 });
    expect(whole.nextPageToken).toBeNull();
    const before = emu.requestCount('GET', '/v2/stocks/bars');
    const paged = await client.sdk.marketData.collectStockBarsBySymbol({ ...req, limit: 7 });
    expect(emu.requestCount('GET', '/v2/stocks/bars') - before).toBeGreaterThan(3);
    const wholeBars = whole.bars as Record<string, unknown[]>;
    expect(paged.AAPL).toHaveLength(wholeBars.AAPL?.length ?? -1);
    expect(paged.MSFT).toHaveLength(25);
    expect(JSON.stringify(paged.MSFT)).toBe(JSON.stringify(wholeBars.MSFT));
  });

  it('GET /v2/stocks/{symbol}/bars answers one symbol with its bars list', async () => {
    const r = await client.sdk.marketData.stocks.stockBarSingle({ symbol: 'SPY', timeframe: '1Min', start: new Date(T0 - 10 * 60_000), end: new Date(T0 - 1), limit: 100 });
    expect(r.symbol).toBe('SPY');
    expect(r.bars).toHaveLength(10);
    expect(r.bars[0]?.t.getTime()).toBe(T0 - 10 * 60_000);
  });

  it('GET /v1beta3/crypto/us/bars answers crypto pairs; a stock symbol there has no bars', async () => {
    const r = await client.sdk.marketData.crypto.cryptoBars({ loc: 'us', symbols: 'BTC/USD,AAPL', timeframe: '15Min', start: new Date(T0 - 3_600_000), end: new Date(T0 - 1) });
    const bars = r.bars as Record<string, { o: number }[]>;
    expect(Object.keys(bars)).toEqual(['BTC/USD']);
    expect(bars['BTC/USD']).toHaveLength(4);
  });

  it('an invalid timeframe is a 400', async () => {
    const err = await client.sdk.marketData.stocks.stockBars({ symbols: 'AAPL', timeframe: '7Minutes' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).status).toBe(400);
  });

  it('data requests go to the data host only: the trading host does not serve bars', async () => {
    const res = await fetch(`${emu.urls.api}/v2/stocks/bars?symbols=AAPL&timeframe=1Min`, { headers: { 'APCA-API-KEY-ID': emu.keys.keyId, 'APCA-API-SECRET-KEY': emu.keys.secret } });
    expect(res.status).toBe(404);
  });
});

describe('trade updates stream', () => {
  function openTrading(c: AlpacaClient): { stream: streaming.TradingStream; updates: streaming.TradeUpdate[]; listening: Promise<unknown> } {
    const { stream } = c.tradingStream();
    const updates: streaming.TradeUpdate[] = [];
    stream.onTradeUpdate((u) => updates.push(u));
    const listening = new Promise((resolve) => stream.on('subscription', resolve));
    stream.subscribeTradeUpdates();
    stream.connect();
    return { stream, updates, listening };
  }

  it('authenticate -> authorized, listen -> listening, then new/fill with execution_id, price, qty, position_qty', async () => {
    const { stream, updates, listening } = openTrading(client);
    expect((await stream.whenAuthenticated()).authenticated).toBe(true);
    expect(await listening).toEqual(['trade_updates']);
    const clientOrderId = cid('stream');
    await orders().market({ symbol: 'SPY', qty: 3, side: 'buy', clientOrderId });
    await waitFor(() => updates.some((u) => u.event === 'fill' && u.order.clientOrderId === clientOrderId), 'the fill event');
    const mine = updates.filter((u) => u.order.clientOrderId === clientOrderId);
    expect(mine.map((u) => u.event)).toEqual(['new', 'fill']);
    const fill = mine[1] as streaming.TradeUpdate;
    expect(fill.executionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fill.qty).toBe('3');
    expect(Number(fill.price)).toBeGreaterThan(0);
    expect(Number(fill.positionQty)).toBeGreaterThanOrEqual(3);
    expect(fill.timestamp).toBeInstanceOf(Date);
    stream.disconnect();
  });

  it('partial_fill, canceled, expired, rejected and replaced events arrive as Alpaca names them', async () => {
    const { stream, updates, listening } = openTrading(client);
    await listening;
    emu.exchange.maxFillQtyPerMatch = 2;
    const px = emu.market.lastPrice('AAPL') as number;
    const partial = await orders().limit({ symbol: 'AAPL', qty: 5, side: 'buy', limitPrice: (px + 30).toFixed(2), clientOrderId: cid('ev-partial') });
    emu.exchange.maxFillQtyPerMatch = null;
    const toCancel = await orders().limit({ symbol: 'AAPL', qty: 1, side: 'buy', limitPrice: 1, clientOrderId: cid('ev-cancel') });
    await orders().deleteOrderByOrderID({ orderId: toCancel.id as string });
    const toReplace = await orders().limit({ symbol: 'AAPL', qty: 1, side: 'buy', limitPrice: 1, clientOrderId: cid('ev-replace') });
    await orders().patchOrderByOrderId({ orderId: toReplace.id as string, patchOrderRequest: { limitPrice: '2' } });
    emu.exchange.venueRejects.add('GME');
    const rejected = await orders().market({ symbol: 'GME', qty: 1, side: 'buy', clientOrderId: cid('ev-reject') });
    const toExpire = await orders().limit({ symbol: 'MSFT', qty: 1, side: 'buy', limitPrice: 1, clientOrderId: cid('ev-expire') });
    await tick();
    emu.exchange.venueRejects.delete('GME');
    emu.advance(24 * 60);
    const eventsOf = (id: unknown): string[] => updates.filter((u) => u.order.id === id).map((u) => u.event);
    await waitFor(() => eventsOf(toExpire.id).includes('expired'), 'the expired event');
    expect(eventsOf(partial.id).slice(0, 2)).toEqual(['new', 'partial_fill']);
    expect(eventsOf(toCancel.id)).toEqual(['new', 'canceled']);
    expect(eventsOf(toReplace.id)).toEqual(['new', 'replaced']);
    expect(eventsOf(rejected.id)).toEqual(['new', 'rejected']);
    expect(eventsOf(toExpire.id)).toEqual(['new', 'expired']);
    stream.disconnect();
  });

  it('wrong keys: the stream answers unauthorized and the SDK reports a server rejection', async () => {
    const bad = clientFor(emu, { APCA_API_SECRET_KEY: 'wrong' });
    const { stream } = bad.tradingStream();
    stream.connect();
    const r = await stream.whenAuthenticated();
    expect(r.authenticated).toBe(false);
    expect(r.status).toBe('server_rejected');
    stream.disconnect();
    bad.close();
  });
});

describe('market data stream', () => {
  it('stocks over msgpack (the SDK default): connected, authenticated, subscription, then bars', async () => {
    const { stream } = client.stockStream();
    const bars: streaming.StreamBar[] = [];
    const subs: unknown[] = [];
    stream.onBar((b) => bars.push(b));
    stream.on('subscription', (s: unknown) => subs.push(s));
    stream.subscribeForBars(['AAPL', 'MSFT']);
    stream.connect();
    expect((await stream.whenAuthenticated()).authenticated).toBe(true);
    await waitFor(() => subs.length > 0, 'the subscription message');
    emu.advance(1);
    await waitFor(() => bars.length >= 2, 'two bars');
    expect(bars.map((b) => b.symbol).sort()).toEqual(['AAPL', 'MSFT']);
    expect(bars[0]?.timestamp.getTime()).toBe(emu.market.now - 60_000);
    expect(bars[0]?.close).toBe(emu.market.bars(bars[0]?.symbol as string, 60_000, emu.market.now - 60_000, emu.market.now)[0]?.c);
    stream.disconnect();
  });

  it('crypto stream on /v1beta3/crypto/us delivers crypto bars only', async () => {
    const { stream } = client.cryptoStream();
    const bars: streaming.StreamBar[] = [];
    const subscribed = new Promise((r) => stream.on('subscription', r));
    stream.onBar((b) => bars.push(b));
    stream.subscribeForBars(['BTC/USD', 'AAPL']);
    stream.connect();
    await subscribed;
    emu.advance(1);
    await waitFor(() => bars.length >= 1, 'a crypto bar');
    await tick(50);
    expect(bars.map((b) => b.symbol)).toEqual(['BTC/USD']);
    stream.disconnect();
  });

  it('JSON when the client does not ask for msgpack; errors by Alpaca code (401 before auth, 402 bad keys)', async () => {
    const ws = new WebSocket(`${emu.urls.dataStream}/v2/iex`);
    const frames: unknown[] = [];
    ws.on('message', (d, isBinary) => frames.push(isBinary ? 'binary' : JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    await waitFor(() => frames.length === 1, 'the connected message');
    expect(frames[0]).toEqual([{ T: 'success', msg: 'connected' }]);
    ws.send(JSON.stringify({ action: 'subscribe', bars: ['AAPL'] }));
    await waitFor(() => frames.length === 2, 'the not-authenticated error');
    expect(frames[1]).toEqual([{ T: 'error', code: 401, msg: 'not authenticated' }]);
    const closed = new Promise((r) => ws.once('close', r));
    ws.send(JSON.stringify({ action: 'auth', key: emu.keys.keyId, secret: 'wrong' }));
    await closed;
    expect(frames[2]).toEqual([{ T: 'error', code: 402, msg: 'auth failed' }]);
  });

  it('msgpack frames are binary; a second connection with the same key is refused with 406', async () => {
    const open = (): { ws: WebSocket; frames: unknown[] } => {
      const ws = new WebSocket(`${emu.urls.dataStream}/v2/iex`, { headers: { 'Content-Type': 'application/msgpack' } });
      const frames: unknown[] = [];
      ws.on('message', (d, isBinary) => frames.push(isBinary ? 'binary' : 'text'));
      ws.on('open', () => ws.send(Buffer.from(msgpackEncode({ action: 'auth', key: emu.keys.keyId, secret: emu.keys.secret }))));
      return { ws, frames };
    };
    const a = open();
    await waitFor(() => a.frames.length === 2, 'the first connection to authenticate');
    expect(a.frames).toEqual(['binary', 'binary']);
    const b = open();
    await new Promise((r) => b.ws.once('close', r));
    expect(b.frames).toEqual(['binary', 'binary']);
    a.ws.close();
  });
});
