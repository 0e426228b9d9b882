import { afterEach, describe, expect, it } from 'vitest';
import type { OrderIntent } from '../../../engine/domain/types';
import { PROTECTION_META_KEY } from '../../../engine/Engine';
import { FaultyBroker } from './faultyBroker';
import { lastPrice, makeHarness, settle, type Harness } from './harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h?.cleanup();
  h = null;
});

const cents = (x: number) => Math.round(x * 100) / 100;
const entry = (key: string, price: number, over: Partial<OrderIntent> = {}): OrderIntent => ({
  intentKey: key, symbol: 'AAPL', side: 'buy', type: 'market', qty: 2, limitPrice: null, origin: 'strategy', strategyId: 'sma-cross', reason: 'test entry', refPrice: price, barTime: 1,
  bracket: { stopLoss: cents(price * 0.995), takeProfit: cents(price * 1.5) }, ...over,
});

async function enterWithBracket(hh: Harness, key: string): Promise<string> {
  const r = await hh.engine.orders.submit(entry(key, lastPrice(hh, 'AAPL')));
  if (!r.ok) throw new Error(r.error.message);
  await settle();
  return r.order.clientOrderId;
}

describe('bracket orders (simulator)', () => {
  it('after the entry fills the broker holds a stop and a take-profit leg, which the engine adopts', async () => {
    h = await makeHarness();
    const id = await enterWithBracket(h, 'br-1');
    expect(h.engine.state.positions.get('AAPL')?.qty).toBe(2);
    const open = await h.sim.listOpenOrders();
    const legs = open.ok ? open.value.filter((o) => o.symbol === 'AAPL') : [];
    expect(legs.map((o) => `${o.clientOrderId}:${o.type}:${o.side}:${o.qty}`).sort()).toEqual([`${id}-sl:stop:sell:2`, `${id}-tp:limit:sell:2`]);
    expect([...h.engine.state.openOrders.keys()].sort()).toEqual([`${id}-sl`, `${id}-tp`]);
  });

  it('the position shows its bracket only while the legs rest at the broker', async () => {
    h = await makeHarness();
    const stop = cents(lastPrice(h, 'AAPL') * 0.995);
    h.store.setMeta(PROTECTION_META_KEY, { AAPL: { stop, target: 1000, kind: 'bracket' } });
    h = await h.restart();
    const r = await h.engine.orders.submit(entry('br-view', lastPrice(h, 'AAPL'), { bracket: { stopLoss: stop, takeProfit: 1000 } }));
    expect(r.ok).toBe(true);
    await settle();
    expect(h.engine.snapshot().positions.find((p) => p.symbol === 'AAPL')?.protection).toEqual({ stop, target: 1000, kind: 'bracket' });
    expect((await h.engine.dispatch('killswitch:engage', { source: 'ui', flatten: false })).ok).toBe(true);
    await settle();
    expect(h.engine.state.positions.get('AAPL')?.qty).toBe(2);
    expect(h.engine.snapshot().positions.find((p) => p.symbol === 'AAPL')?.protection).toBeUndefined();
  });

  it('a stop-out fills the stop leg once, cancels the take-profit (OCO) and leaves the engine flat', async () => {
    h = await makeHarness();
    const id = await enterWithBracket(h, 'br-2');
    for (let i = 0; i < 3000 && h.engine.state.positions.has('AAPL'); i++) {
      h.market.step(1);
      await settle(1);
    }
    await settle();
    expect(h.engine.state.positions.has('AAPL')).toBe(false);
    const simPos = await h.sim.listPositions();
    expect(simPos.ok && simPos.value.some((p) => p.symbol === 'AAPL')).toBe(false);
    expect(h.store.getOrder(`${id}-sl`)?.status).toBe('filled');
    expect(h.store.getOrder(`${id}-tp`)?.status).toBe('canceled');
    expect(h.store.fillsForSymbol('AAPL', 10)).toHaveLength(2);
    expect([...h.engine.state.openOrders.values()].filter((o) => o.symbol === 'AAPL')).toHaveLength(0);
    // one more bar far past the stop: nothing else happens
    h.market.step(20);
    await settle();
    expect(h.store.fillsForSymbol('AAPL', 10)).toHaveLength(2);
    expect(h.engine.state.positions.has('AAPL')).toBe(false);
  });

  it('the legs and the stop trigger survive a restart of the simulator, and still stop the position out', async () => {
    h = await makeHarness();
    const id = await enterWithBracket(h, 'br-restart');
    h = await h.restart();
    await settle();
    expect([...h.engine.state.openOrders.keys()].sort()).toEqual([`${id}-sl`, `${id}-tp`]);
    for (let i = 0; i < 3000 && h.engine.state.positions.has('AAPL'); i++) {
      h.market.step(1);
      await settle(1);
    }
    await settle();
    expect(h.store.getOrder(`${id}-sl`)?.status).toBe('filled');
    expect(h.store.getOrder(`${id}-tp`)?.status).toBe('canceled');
    expect(h.engine.state.positions.has('AAPL')).toBe(false);
  });

  it('the broker refuses a sell of the held qty while the legs rest', async () => {
    h = await makeHarness();
    await enterWithBracket(h, 'br-3');
    const r = await h.sim.submitOrder({ clientOrderId: 'raw-exit', symbol: 'AAPL', side: 'sell', type: 'market', qty: 2, limitPrice: null, stopPrice: null, tif: 'day' });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(/insufficient qty available/);
  });

  it('a strategy exit cancels its bracket legs first, then sends the exit', async () => {
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)) });
    const id = await enterWithBracket(h, 'br-4');
    faulty!.calls.length = 0;
    const exit = await h.engine.orders.submit(entry('br-4-exit', lastPrice(h, 'AAPL'), { side: 'sell', bracket: null, reason: 'test exit' }));
    expect(exit.ok).toBe(true);
    expect(faulty!.calls).toEqual(['cancelOrder', 'cancelOrder', 'submitOrder']);
    await settle();
    expect(h.engine.state.positions.has('AAPL')).toBe(false);
    expect(h.store.getOrder(`${id}-sl`)?.status).toBe('canceled');
    expect(h.store.getOrder(`${id}-tp`)?.status).toBe('canceled');
    const simPos = await h.sim.listPositions();
    expect(simPos.ok && simPos.value.some((p) => p.symbol === 'AAPL')).toBe(false);
  });

  it('the engine attaches the ATR stop and target to stock entries, and no bracket to crypto entries', async () => {
    h = await makeHarness();
    const upd = await h.engine.dispatch('settings:update', { patch: { strategy: { symbols: ['AAPL', 'MSFT', 'NVDA', 'BTC/USD', 'ETH/USD'] } } });
    expect(upd.ok).toBe(true);
    const seen = new Map<string, OrderIntent>();
    for (let i = 0; i < 2000 && !(seen.has('stock') && seen.has('crypto')); i++) {
      h.market.step(1);
      for (const a of h.engine.approvals.pending()) {
        if (a.intent.side !== 'buy') continue;
        const kind = a.intent.symbol.includes('/') ? 'crypto' : 'stock';
        if (!seen.has(kind)) seen.set(kind, a.intent);
      }
    }
    const stock = seen.get('stock');
    expect(stock?.bracket?.stopLoss).toBeLessThan(stock?.refPrice ?? 0);
    expect(stock?.bracket?.takeProfit).toBeGreaterThan(stock?.refPrice ?? Infinity);
    const crypto = seen.get('crypto');
    expect(crypto).toBeDefined();
    expect(crypto?.bracket ?? null).toBeNull();
    // the crypto entry's levels are kept for the local watchdog, the stock's as its bracket
    await settle();
    const kept = h.store.getMeta<Record<string, { kind: string }>>(PROTECTION_META_KEY) ?? {};
    expect(kept[crypto?.symbol ?? '']?.kind).toBe('local-watchdog');
    expect(kept[stock?.symbol ?? '']?.kind).toBe('bracket');
  });
});
