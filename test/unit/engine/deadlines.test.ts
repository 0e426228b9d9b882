import { afterEach, describe, expect, it } from 'vitest';
import type { OrderIntent } from '../../../engine/domain/types';
import { UNFILLED_ORDER_DEADLINE_MS } from '../../../engine/Engine';
import { FaultyBroker } from './faultyBroker';
import { lastPrice, makeHarness, placeRestingOrders, settle, type Harness } from './harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h?.cleanup();
  h = null;
});

const intent = (key: string, price: number): OrderIntent => ({
  intentKey: key, symbol: 'AAPL', side: 'buy', type: 'market', qty: 1, limitPrice: null, origin: 'strategy', strategyId: 'sma-cross', reason: 'test', refPrice: price, barTime: 1,
});

describe('unfilled orders past their deadline', () => {
  it('cancels a strategy market order not filled within the deadline, once, with an audit record', async () => {
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)) });
    faulty!.stallMarketOrders = true;
    const r = await h.engine.orders.submit(intent('deadline-1', lastPrice(h, 'AAPL')));
    expect(r.ok).toBe(true);
    const id = r.ok ? r.order.clientOrderId : '';
    await settle();
    h.clock.advance(UNFILLED_ORDER_DEADLINE_MS - 1000);
    h.engine.tick();
    await settle();
    expect(h.engine.state.openOrders.get(id)?.status).toBe('accepted');
    h.clock.advance(1000);
    h.engine.tick();
    h.engine.tick();
    await settle();
    expect(h.engine.state.openOrders.has(id)).toBe(false);
    expect(h.store.getOrder(id)?.status).toBe('canceled');
    expect(faulty!.calls.filter((c) => c === 'cancelOrder')).toHaveLength(1);
    const audit = h.store.listAudit(50).filter((a) => a.message.includes(id) && a.message.includes('not filled within 60 s'));
    expect(audit).toHaveLength(1);
  });

  it('leaves a resting manual limit order alone past the deadline', async () => {
    h = await makeHarness();
    const [id] = await placeRestingOrders(h, 1);
    h.clock.advance(UNFILLED_ORDER_DEADLINE_MS * 5);
    h.engine.tick();
    await settle();
    expect(h.engine.state.openOrders.get(id as string)?.status).toBe('accepted');
  });

  it('cancels an order whose submit was never acknowledged (state unknown) once it is past the deadline', async () => {
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)) });
    faulty!.fail('submitOrder', { kind: 'network', message: 'socket hang up' });
    faulty!.fail('getOrderByClientId', { kind: 'network', message: 'socket hang up' });
    const r = await h.engine.dispatch('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limitPrice: Math.floor(lastPrice(h, 'AAPL') * 0.5) });
    expect(r.ok).toBe(false);
    const id = [...h.engine.state.openOrders.values()].find((o) => o.status === 'pending_submit')?.clientOrderId ?? '';
    expect(id).not.toBe('');
    h.clock.advance(UNFILLED_ORDER_DEADLINE_MS + 1);
    h.engine.tick();
    await settle();
    expect(h.engine.state.openOrders.has(id)).toBe(false);
    expect(h.store.getOrder(id)?.status).toBe('canceled');
    expect(h.store.listAudit(50).some((a) => a.message.includes(id) && a.message.includes('not acknowledged by the broker within 60 s'))).toBe(true);
  });
});
