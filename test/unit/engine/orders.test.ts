import { afterEach, describe, expect, it } from 'vitest';
import type { OrderIntent } from '../../../engine/domain/types';
import { clientOrderIdFor } from '../../../engine/orders/clientOrderId';
import { FaultyBroker } from './faultyBroker';
import { lastPrice, makeHarness, settle, type Harness } from './harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h?.cleanup();
  h = null;
});

const intent = (key: string, price: number, over: Partial<OrderIntent> = {}): OrderIntent => ({
  intentKey: key, symbol: 'AAPL', side: 'buy', type: 'market', qty: 2, limitPrice: null, origin: 'strategy', strategyId: 'sma-cross', reason: 'test', refPrice: price, barTime: 1, ...over,
});

describe('OrderManager', () => {
  it('derives the same client_order_id from the same intent and different ids from different intents', () => {
    expect(clientOrderIdFor('sma-cross:AAPL:buy:1')).toBe(clientOrderIdFor('sma-cross:AAPL:buy:1'));
    expect(clientOrderIdFor('sma-cross:AAPL:buy:1')).not.toBe(clientOrderIdFor('sma-cross:AAPL:buy:2'));
    expect(clientOrderIdFor('x'.repeat(500)).length).toBeLessThanOrEqual(128);
  });

  it('journals the intent before sending it', async () => {
    let journaledBeforeSend = false;
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)) });
    const i = intent('k1', lastPrice(h, 'AAPL'));
    faulty!.onCall = (m) => {
      if (m === 'submitOrder') journaledBeforeSend = h!.store.getOrder(clientOrderIdFor('k1'))?.status === 'pending_submit';
    };
    await h.engine.orders.submit(i);
    expect(journaledBeforeSend).toBe(true);
  });

  it('never sends the same intent twice', async () => {
    h = await makeHarness();
    const i = intent('k2', lastPrice(h, 'AAPL'));
    expect((await h.engine.orders.submit(i)).ok).toBe(true);
    const second = await h.engine.orders.submit(i);
    expect(second).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(h.ledger.submissionsFor(clientOrderIdFor('k2'))).toBe(1);
  });

  it('after a lost submit response, looks the order up by its id and adopts it instead of resending', async () => {
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)) });
    faulty!.loseNextSubmitResponse = true;
    const r = await h.engine.orders.submit(intent('k3', lastPrice(h, 'AAPL')));
    expect(r.ok).toBe(true);
    await settle();
    expect(h.ledger.submissionsFor(clientOrderIdFor('k3'))).toBe(1);
    expect(h.store.getOrder(clientOrderIdFor('k3'))?.status).toBe('filled');
    expect(h.engine.state.positions.get('AAPL')?.qty).toBe(2);
  });

  it('marks an order the broker refused as rejected with the broker reason', async () => {
    h = await makeHarness();
    const r = await h.engine.orders.submit(intent('k4', lastPrice(h, 'AAPL'), { qty: 100_000 }));
    expect(r).toMatchObject({ ok: false, error: { code: 'broker_error' } });
    expect(h.store.getOrder(clientOrderIdFor('k4'))).toMatchObject({ status: 'rejected', statusReason: expect.stringMatching(/insufficient buying power/) });
    expect(h.engine.state.openOrders.size).toBe(0);
    await settle();
    expect(h.events.some((e) => e.name === 'alerts:raised' && e.payload.kind === 'order_rejected' && /insufficient buying power/.test(e.payload.message))).toBe(true);
  });

  it('applies a replayed fill event once', async () => {
    h = await makeHarness();
    await h.engine.orders.submit(intent('k5', lastPrice(h, 'AAPL')));
    await settle();
    const fills = h.store.fillsForSymbol('AAPL', 10);
    expect(fills).toHaveLength(1);
    const cash = h.engine.state.account.cash;
    expect(h.engine.orders.applyFill(fills[0]!, null)).toBe(false);
    expect(h.engine.state.positions.get('AAPL')?.qty).toBe(2);
    expect(h.engine.state.account.cash).toBe(cash);
    expect(h.store.countFills()).toBe(1);
  });

  it('at restart, an order journaled but never sent is marked unsent and not resent', async () => {
    h = await makeHarness();
    const rec = { clientOrderId: clientOrderIdFor('k6'), brokerOrderId: null, symbol: 'AAPL', side: 'buy' as const, type: 'market' as const, qty: 1, limitPrice: null, stopPrice: null, tif: 'day' as const, status: 'pending_submit' as const, filledQty: 0, avgFillPrice: null, origin: 'strategy' as const, strategyId: 'sma-cross', reason: 'crash test', statusReason: null, createdAt: 1, updatedAt: 1 };
    h.store.insertOrder(rec); // as if the process died between journaling and sending
    h = await h.restart();
    expect(h.store.getOrder(rec.clientOrderId)?.status).toBe('unsent');
    expect(h.ledger.submissionsFor(rec.clientOrderId)).toBe(0);
  });

  it('at restart, applies a fill that happened at the broker after our last journal write, exactly once', async () => {
    h = await makeHarness();
    const i = intent('k7', lastPrice(h, 'AAPL'));
    const id = clientOrderIdFor('k7');
    // the broker got and filled the order, but our journal only has the pending intent (crash before the answer)
    h.store.insertOrder({ clientOrderId: id, brokerOrderId: null, symbol: 'AAPL', side: 'buy', type: 'market', qty: 2, limitPrice: null, stopPrice: null, tif: 'day', status: 'pending_submit', filledQty: 0, avgFillPrice: null, origin: 'strategy', strategyId: 'sma-cross', reason: 'x', statusReason: null, createdAt: 1, updatedAt: 1 });
    await h.sim.submitOrder({ clientOrderId: id, symbol: i.symbol, side: 'buy', type: 'market', qty: 2, limitPrice: null, stopPrice: null, tif: 'day' });
    h.sim.flush();
    h = await h.restart();
    await settle();
    expect(h.store.getOrder(id)?.status).toBe('filled');
    expect(h.engine.state.positions.get('AAPL')?.qty).toBe(2);
    h = await h.restart();
    expect(h.engine.state.positions.get('AAPL')?.qty).toBe(2);
    expect(h.engine.state.reconciliation).toEqual([]);
  });
});

describe('orders decided in the same turn', () => {
  it('see each other: two entries in one turn cannot both pass a limit of one position', async () => {
    h = await makeHarness();
    await h.engine.dispatch('settings:update', { patch: { risk: { maxOpenPositions: 1 } } });
    const [a, b] = await Promise.all([
      h.engine.dispatch('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' }),
      h.engine.dispatch('orders:submit', { symbol: 'MSFT', side: 'buy', qty: 1, type: 'market' }),
    ]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    const refused = a.ok ? b : a;
    expect(!refused.ok && refused.error.message).toMatch(/max_open_positions/);
    await settle();
    expect(h.ledger.totalSubmissions().accepted).toBe(1);
  });
});

describe('an emergency stop pressed while an order is being journaled', () => {
  it('keeps that order from reaching the broker', async () => {
    h = await makeHarness();
    const pending = h.engine.dispatch('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' });
    const stop = h.engine.dispatch('killswitch:engage', {});
    const [order] = await Promise.all([pending, stop]);
    expect(order).toMatchObject({ ok: false, error: { code: 'halted' } });
    await settle();
    expect(h.ledger.totalSubmissions().accepted).toBe(0);
    expect(h.store.listOrders('all', 10)[0]).toMatchObject({ status: 'unsent', statusReason: 'emergency stop pressed before it was sent' });
  });
});

describe('journal order of broker events arriving in one turn', () => {
  it("an 'accepted' and a fill delivered together leave the journal at filled, never back at accepted", async () => {
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)) });
    // the broker's answer to the submit is slow (and in the end a refusal, so the simulator never fills it itself)
    faulty!.delays.set('submitOrder', 30);
    faulty!.fail('submitOrder', { kind: 'rejected', message: 'late answer' });
    const sent = h.engine.orders.submit(intent('k-race', lastPrice(h, 'AAPL')));
    await settle(1); // journaled: pending_submit
    const id = clientOrderIdFor('k-race');
    expect(h.store.getOrder(id)?.status).toBe('pending_submit');
    const order = { brokerOrderId: 'b-1', clientOrderId: id, symbol: 'AAPL', side: 'buy' as const, type: 'market' as const, qty: 2, limitPrice: null, filledQty: 0, avgFillPrice: null };
    // one socket read, two events, handled in the same turn
    h.engine.orders.handleBrokerEvent({ type: 'order', order: { ...order, status: 'accepted' }, reason: null });
    h.engine.orders.handleBrokerEvent({ type: 'fill', fill: { fillId: 'b-1-f1', clientOrderId: id, symbol: 'AAPL', side: 'buy', qty: 2, price: 100, commission: 0, time: 3 }, order: { ...order, status: 'filled', filledQty: 2, avgFillPrice: 100 } });
    await sent;
    await settle();
    expect(h.store.getOrder(id)?.status).toBe('filled');
    expect(h.engine.state.positions.get('AAPL')?.qty).toBe(2);
  });
});
