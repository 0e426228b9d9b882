// AlpacaBroker against the emulator: orders, exactly-once submission under every fault the brief
// names, readable failures, the trade-updates stream with reconnect and de-duplicated fills.
import { afterEach, describe, expect, it } from 'vitest';
import { AlpacaBroker, type AlpacaOrderRequest } from '../../../engine/adapters/alpaca/broker';
import type { AlpacaClient } from '../../../engine/adapters/alpaca/client';
import type { BrokerEvent } from '../../../engine/ports';
import type { Emulator, EmulatorOptions } from '../../emulator/server';
import { clientFor, emulator, recordingLog, tick, waitFor, type LogLine } from './harness';

interface Rig {
  emu: Emulator;
  client: AlpacaClient;
  broker: AlpacaBroker;
  events: BrokerEvent[];
  lines: LogLine[];
}

const rigs: Rig[] = [];

async function rig(opts: { emu?: EmulatorOptions; env?: Parameters<typeof clientFor>[1]; timeoutMs?: number; connect?: boolean } = {}): Promise<Rig> {
  const emu = await emulator({ cash: 1_000_000, ...opts.emu });
  const client = clientFor(emu, { ALPACA_TIMEOUT_MS: String(opts.timeoutMs ?? 2_000), ...opts.env });
  const { log, lines } = recordingLog();
  const broker = new AlpacaBroker(client, { log, lookupDelayMs: 50, connectTimeoutMs: 3_000, stream: { initialReconnectMs: 50, maxReconnectMs: 200 } });
  const events: BrokerEvent[] = [];
  broker.onEvent((e) => events.push(e));
  const r = { emu, client, broker, events, lines };
  rigs.push(r);
  if (opts.connect !== false) expect(await broker.connect()).toEqual({ ok: true, value: undefined });
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.broker.close();
    r.client.close();
    await r.emu.close();
  }
});

let n = 0;
function order(over: Partial<AlpacaOrderRequest> = {}): AlpacaOrderRequest {
  return { clientOrderId: `intent-${++n}`, symbol: 'AAPL', side: 'buy', type: 'market', qty: 2, limitPrice: null, stopPrice: null, tif: 'day', ...over };
}

const fills = (r: Rig): Extract<BrokerEvent, { type: 'fill' }>[] => r.events.filter((e): e is Extract<BrokerEvent, { type: 'fill' }> => e.type === 'fill');
const ordersAtBroker = (r: Rig, clientOrderId: string): number => r.emu.exchange.listOrders().filter((o) => o.clientOrderId === clientOrderId).length;

describe('orders', () => {
  it('a market order is accepted with our client_order_id, then its fill arrives once over the stream', async () => {
    const r = await rig();
    const req = order({ qty: 5 });
    const res = await r.broker.submitOrder(req);
    expect(res.ok && res.value.clientOrderId).toBe(req.clientOrderId);
    expect(res.ok && res.value.status).toBe('accepted');
    await waitFor(() => fills(r).length === 1, 'the fill');
    const f = fills(r)[0]?.fill;
    expect(f).toMatchObject({ clientOrderId: req.clientOrderId, symbol: 'AAPL', side: 'buy', qty: 5 });
    expect(f?.fillId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fills(r)[0]?.order.status).toBe('filled');
    const pos = await r.broker.listPositions();
    expect(pos).toEqual({ ok: true, value: [{ symbol: 'AAPL', qty: 5, avgEntryPrice: f?.price }] });
  });

  it('sending the same intent twice makes one order: the second answer is the existing order', async () => {
    const r = await rig();
    const req = order({ type: 'limit', limitPrice: 1 });
    const first = await r.broker.submitOrder(req);
    const second = await r.broker.submitOrder(req);
    expect(second.ok && first.ok && second.value.brokerOrderId === first.value.brokerOrderId).toBe(true);
    expect(ordersAtBroker(r, req.clientOrderId)).toBe(1);
    expect(r.emu.requestCount('POST', '/v2/orders')).toBe(2);
    const clash = await r.broker.submitOrder({ ...req, symbol: 'MSFT' });
    expect(clash).toEqual({ ok: false, kind: 'rejected', message: `client_order_id ${req.clientOrderId} is already used at Alpaca by a different order (buy AAPL)` });
  });

  it('a submit whose response is lost is found by client_order_id, never re-posted', async () => {
    const r = await rig();
    r.emu.addFault({ method: 'POST', path: '/v2/orders', dropResponse: true });
    const req = order();
    const res = await r.broker.submitOrder(req);
    expect(res.ok && res.value.clientOrderId).toBe(req.clientOrderId);
    expect(r.emu.requestCount('POST', '/v2/orders')).toBe(1);
    expect(ordersAtBroker(r, req.clientOrderId)).toBe(1);
    expect(r.lines.some((l) => l.message.includes('reached Alpaca although its answer was lost'))).toBe(true);
  });

  it('a submit that times out after Alpaca acted is found by the lookup', async () => {
    const r = await rig({ timeoutMs: 300 });
    r.emu.addFault({ method: 'POST', path: '/v2/orders', delayMs: 800, delayPhase: 'after' });
    const req = order();
    const res = await r.broker.submitOrder(req);
    expect(res.ok).toBe(true);
    expect(r.emu.requestCount('POST', '/v2/orders')).toBe(1);
  });

  it('a submit that times out before Alpaca acted says so; resending the same id later never duplicates', async () => {
    const r = await rig({ timeoutMs: 200 });
    r.emu.addFault({ method: 'POST', path: '/v2/orders', delayMs: 600, delayPhase: 'before' });
    const req = order();
    const res = await r.broker.submitOrder(req);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.kind).toBe('network');
      expect(res.message).toMatch(/did not answer in time/);
      expect(res.message).toMatch(/not found at Alpaca after 3 lookups/);
    }
    // the stalled request lands at the emulator after all: the order exists once
    await waitFor(() => ordersAtBroker(r, req.clientOrderId) === 1, 'the late order to land');
    const again = await r.broker.submitOrder(req);
    expect(again.ok).toBe(true);
    expect(ordersAtBroker(r, req.clientOrderId)).toBe(1);
  });

  it('a 500 on submit is ambiguous: looked up, and reported as a server failure when absent', async () => {
    const r = await rig();
    r.emu.addFault({ method: 'POST', path: '/v2/orders', status: 500 });
    const res = await r.broker.submitOrder(order());
    expect(res).toMatchObject({ ok: false, kind: 'server' });
    if (!res.ok) expect(res.message).toMatch(/Alpaca answered 500 \(internal server error occurred\).*not found at Alpaca after 3 lookups/);
    expect(r.emu.requestCount('POST', '/v2/orders')).toBe(1);
    expect(r.emu.requestCount('GET', '/v2/orders:by_client_order_id')).toBe(3);
  });

  it('429 on submit: rate_limited with Retry-After, the POST not retried', async () => {
    const r = await rig();
    r.emu.addFault({ method: 'POST', path: '/v2/orders', status: 429, retryAfterSec: 7 });
    const res = await r.broker.submitOrder(order());
    expect(res).toEqual({ ok: false, kind: 'rate_limited', retryAfterMs: 7000, message: expect.stringMatching(/request limit was reached while placing order .* try again in 7 s/) });
    expect(r.emu.requestCount('POST', '/v2/orders')).toBe(1);
  });

  it('403 insufficient buying power and 422 validation are rejections a user can read', async () => {
    const r = await rig({ emu: { cash: 1_000 } });
    const bp = await r.broker.submitOrder(order({ qty: 1000 }));
    expect(bp).toEqual({ ok: false, kind: 'rejected', message: expect.stringMatching(/^Alpaca refused placing order intent-\d+ \(buy 1000 AAPL market\): insufficient buying power \(buying power available: \$1000\)$/) });
    const invalid = await r.broker.submitOrder(order({ type: 'limit', limitPrice: 100.005 }));
    expect(invalid).toEqual({ ok: false, kind: 'rejected', message: expect.stringMatching(/rejected placing order .*sub-penny increment/) });
    const bad = await r.broker.submitOrder(order({ qty: Number.NaN }));
    expect(bad).toMatchObject({ ok: false, kind: 'rejected' });
    expect(r.emu.requestCount('POST', '/v2/orders')).toBe(2);
  });

  it('a stock bracket carries its legs; a crypto bracket is refused by Alpaca', async () => {
    const r = await rig();
    const px = r.emu.market.lastPrice('AAPL') as number;
    const res = await r.broker.submitOrder(order({ qty: 3, bracket: { takeProfit: Math.round(px + 10), stopLoss: Math.round(px - 10) } }));
    expect(res.ok && res.value.orderClass).toBe('bracket');
    expect(res.ok && res.value.legs.map((l) => [l.type, l.alpacaStatus])).toEqual([
      ['limit', 'held'],
      ['stop', 'held'],
    ]);
    const btc = r.emu.market.lastPrice('BTC/USD') as number;
    const crypto = await r.broker.submitOrder(order({ symbol: 'BTC/USD', qty: 0.01, tif: 'gtc', bracket: { takeProfit: Math.round(btc + 500), stopLoss: Math.round(btc - 500) } }));
    expect(crypto).toEqual({ ok: false, kind: 'rejected', message: expect.stringMatching(/crypto orders not allowed for advanced order_class: bracket/) });
  });

  it('notional orders, stop and stop_limit orders go through', async () => {
    const r = await rig();
    const notional = await r.broker.submitOrder(order({ qty: 0, notional: 250 }));
    expect(notional.ok && notional.value.notional).toBe(250);
    const px = r.emu.market.lastPrice('MSFT') as number;
    const stop = await r.broker.submitOrder(order({ symbol: 'MSFT', type: 'stop', stopPrice: Math.round(px * 1.2), tif: 'gtc' }));
    const stopLimit = await r.broker.submitOrder(order({ symbol: 'MSFT', type: 'stop_limit', stopPrice: Math.round(px * 1.2), limitPrice: Math.round(px * 1.25) }));
    expect(stop.ok && stop.value.type).toBe('stop');
    expect(stopLimit.ok && stopLimit.value.stopPrice).toBe(Math.round(px * 1.2));
    await waitFor(() => fills(r).length === 1, 'the notional fill');
    expect((fills(r)[0]?.fill.qty ?? 0) * (fills(r)[0]?.fill.price ?? 0)).toBeCloseTo(250, 4);
  });

  it('cancelOrder cancels by client id; a second cancel is refused readably; an unknown id is not_found', async () => {
    const r = await rig();
    const req = order({ type: 'limit', limitPrice: 1 });
    await r.broker.submitOrder(req);
    expect(await r.broker.cancelOrder(req.clientOrderId)).toEqual({ ok: true, value: undefined });
    await waitFor(() => r.events.some((e) => e.type === 'order' && e.order.clientOrderId === req.clientOrderId && e.order.status === 'canceled'), 'the canceled event');
    const again = await r.broker.cancelOrder(req.clientOrderId);
    expect(again).toEqual({ ok: false, kind: 'rejected', message: expect.stringMatching(/can no longer be canceled/) });
    expect(await r.broker.cancelOrder('never-sent')).toMatchObject({ ok: false, kind: 'not_found' });
  });

  it('listOpenOrders pages past 500 open orders; cancelAllOrders and closeAllPositions leave none', async () => {
    const r = await rig();
    for (let i = 0; i < 520; i++) r.emu.submitOrder({ symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', limit_price: '1', time_in_force: 'gtc', client_order_id: `seed-${i}` });
    r.emu.openExternalPosition('MSFT', 10);
    r.emu.openExternalPosition('ETH/USD', 0.5);
    const open = await r.broker.listOpenOrders();
    expect(open.ok && open.value.length).toBe(520);
    expect(open.ok && new Set(open.value.map((o) => o.clientOrderId)).size).toBe(520);
    expect(await r.broker.cancelAllOrders()).toEqual({ ok: true, value: undefined });
    const positions = await r.broker.listPositions();
    expect(positions.ok && positions.value.map((p) => p.symbol).sort()).toEqual(['ETH/USD', 'MSFT']);
    expect(await r.broker.closeAllPositions()).toEqual({ ok: true, value: undefined });
    await tick(30);
    expect(await r.broker.listOpenOrders()).toEqual({ ok: true, value: [] });
    expect(await r.broker.listPositions()).toEqual({ ok: true, value: [] });
  });

  it('getAccount reads cash, equity, buying power, and whether the account may trade', async () => {
    const r = await rig({ emu: { cash: 25_000 } });
    expect(await r.broker.getAccount()).toEqual({ ok: true, value: { cash: 25_000, equity: 25_000, buyingPower: 25_000, status: 'ACTIVE', tradingBlocked: false } });
  });

  it('a transient 500 on a GET is retried by the SDK and succeeds', async () => {
    const r = await rig();
    r.emu.addFault({ method: 'GET', path: '/v2/account', status: 503 });
    expect((await r.broker.getAccount()).ok).toBe(true);
    expect(r.emu.requestCount('GET', '/v2/account')).toBe(2);
  });
});

describe('connection problems', () => {
  it('wrong keys: REST and the stream both say to check the keys; status shows it', async () => {
    const r = await rig({ env: { APCA_API_SECRET_KEY: 'not-the-secret' }, connect: false });
    const acct = await r.broker.getAccount();
    expect(acct).toEqual({ ok: false, kind: 'rejected', message: expect.stringMatching(/^Alpaca refused the API keys while reading the account \(401 request is not authorized\)\. Check the key ID and secret/) });
    const conn = await r.broker.connect();
    expect(conn).toEqual({ ok: false, kind: 'rejected', message: expect.stringMatching(/refused the API keys on the trade-updates stream/) });
    expect(r.broker.status.connected).toBe(false);
    expect(r.broker.status.message).toMatch(/refused the API keys/);
  });

  it('an unreachable URL is a network failure naming the host; no crash', async () => {
    const emu = await emulator();
    const dead = `http://127.0.0.1:${new URL(emu.urls.api).port}`;
    await emu.close();
    const probe = await emulator();
    const client = clientFor(probe, { ALPACA_API_BASE_URL: dead, ALPACA_STREAM_URL: `${dead.replace('http', 'ws')}/stream` });
    const broker = new AlpacaBroker(client, { log: recordingLog().log, connectTimeoutMs: 500, stream: { initialReconnectMs: 100 } });
    const acct = await broker.getAccount();
    expect(acct).toEqual({ ok: false, kind: 'network', message: expect.stringContaining(`could not reach Alpaca at ${dead} (trading)`) });
    expect(broker.status.connected).toBe(false);
    const conn = await broker.connect();
    expect(conn).toEqual({ ok: false, kind: 'network', message: expect.stringMatching(/did not authorize within 1 s|closed before authorizing/) });
    // still retrying in the background: asking again reports that, never a false success
    expect((await broker.connect()).ok).toBe(false);
    await broker.close();
    client.close();
    await probe.close();
  });

  it('a 500 on a POST is not a crash when the lookup also fails: the outcome is reported unknown', async () => {
    const r = await rig();
    r.emu.addFault({ method: 'POST', path: '/v2/orders', status: 500 });
    r.emu.addFault({ method: 'GET', path: '/v2/orders:by_client_order_id', status: 500, times: 100 });
    const res = await r.broker.submitOrder(order());
    expect(res).toMatchObject({ ok: false, kind: 'server' });
    if (!res.ok) expect(res.message).toMatch(/whether Alpaca has it is unknown/);
  });
});

describe('trade-updates stream', () => {
  it('duplicate fill events (the same execution_id sent three times) are delivered once', async () => {
    const r = await rig();
    r.emu.exchange.duplicateFills = 2;
    await r.broker.submitOrder(order({ qty: 4 }));
    await waitFor(() => r.broker.counters.duplicateFills === 2, 'both duplicates to arrive');
    expect(fills(r)).toHaveLength(1);
  });

  it('partial fills are separate executions, each delivered once', async () => {
    const r = await rig({ emu: { maxFillQtyPerMatch: 2 } });
    const req = order({ type: 'limit', limitPrice: 1000, qty: 5 });
    await r.broker.submitOrder(req);
    await waitFor(() => fills(r).length === 1, 'the first partial fill');
    r.emu.advance(2);
    await waitFor(() => fills(r).length === 3, 'three executions');
    expect(fills(r).map((f) => f.fill.qty)).toEqual([2, 2, 1]);
    expect(fills(r).map((f) => f.order.status)).toEqual(['partially_filled', 'partially_filled', 'filled']);
    expect(new Set(fills(r).map((f) => f.fill.fillId)).size).toBe(3);
  });

  it('a dropped stream reconnects by itself; fills replayed on reconnect are not applied twice', async () => {
    const r = await rig();
    await r.broker.submitOrder(order({ qty: 1 }));
    await waitFor(() => fills(r).length === 1, 'the first fill');
    r.emu.streams.replayFillsOnListen = 5;
    r.emu.dropStreams('trading', 150);
    await waitFor(() => !r.broker.status.connected, 'the disconnect to show');
    expect(r.broker.status.message).toMatch(/trade-updates stream lost; reconnecting/);
    await waitFor(() => r.broker.status.connected, 'the stream to come back', 5_000);
    await waitFor(() => r.broker.counters.duplicateFills >= 1, 'the replayed fill');
    expect(fills(r)).toHaveLength(1);
    expect(r.broker.counters.reconnects).toBeGreaterThanOrEqual(1);
    const conn = r.events.filter((e) => e.type === 'connection').map((e) => (e.type === 'connection' ? e.status.connected : null));
    expect(conn).toEqual([true, false, ...conn.slice(2, -1), true]);
    await r.broker.submitOrder(order({ qty: 1 }));
    await waitFor(() => fills(r).length === 2, 'a fill after the reconnect');
  });

  it('malformed messages are logged with their raw body and skipped; later events still apply', async () => {
    const r = await rig();
    r.emu.streams.sendRawTrading('this is not json');
    r.emu.streams.sendRawTrading(JSON.stringify({ stream: 'trade_updates', data: { event: 'fill', execution_id: 'x1', qty: '1', price: '10', timestamp: new Date().toISOString(), order: { id: 'o1', symbol: 'AAPL' } } }));
    r.emu.streams.sendRawTrading(JSON.stringify({ stream: 'trade_updates', data: { event: 'fill', order: 'nope' } }));
    await waitFor(() => r.broker.counters.malformed === 3, 'three malformed messages');
    const logged = r.lines.filter((l) => l.level === 'warn' && /malformed/.test(l.message));
    expect(logged.map((l) => (l.data as { raw: string }).raw)).toEqual([
      'this is not json',
      expect.stringContaining('"execution_id":"x1"'),
      expect.stringContaining('"order":"nope"'),
    ]);
    expect(fills(r)).toHaveLength(0);
    await r.broker.submitOrder(order({ qty: 1 }));
    await waitFor(() => fills(r).length === 1, 'a valid fill');
  });

  it('order events carry a reason for canceled, expired and rejected orders', async () => {
    const r = await rig();
    r.emu.exchange.venueRejects.add('GME');
    await r.broker.submitOrder(order({ symbol: 'GME', qty: 1 }));
    const expiring = order({ type: 'limit', limitPrice: 1 });
    await r.broker.submitOrder(expiring);
    r.emu.advance(24 * 60);
    await waitFor(() => r.events.some((e) => e.type === 'order' && e.order.status === 'expired'), 'the expired event');
    const reasons = r.events.flatMap((e) => (e.type === 'order' && e.reason ? [[e.order.status, e.reason]] : []));
    expect(reasons).toEqual(expect.arrayContaining([['rejected', 'rejected by Alpaca'], ['expired', 'expired at the end of its time in force']]));
  });
});
