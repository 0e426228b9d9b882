// Differences with the broker found at startup become items the user resolves; autonomous mode
// stays locked until then. The differences are made the realistic way: at the broker, while the
// app is not running.
import { afterEach, describe, expect, it } from 'vitest';
import type { ReconciliationItem } from '../../../engine/domain/types';
import { DEFAULT_SIM_SYMBOLS } from '../../../engine/sim/instruments';
import { SimBroker } from '../../../engine/sim/SimBroker';
import { SimMarket } from '../../../engine/sim/SimMarket';
import { SqliteSimLedger } from '../../../db/simLedger';
import { makeHarness, settle, type Harness } from './harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h?.cleanup();
  h = null;
});

/** With the app closed, trade at the simulated broker directly (as from the broker's website). */
async function tradeWhileAppIsDown(hh: Harness, act: (broker: SimBroker, market: SimMarket) => Promise<void>): Promise<Harness> {
  const { dir, clock } = hh;
  await hh.close();
  const ledger = SqliteSimLedger.open(dir);
  const market = new SimMarket({ seed: 7, speed: 10, symbols: DEFAULT_SIM_SYMBOLS, clock, historyBars: 300, cursors: ledger.load()?.cursors });
  const broker = new SimBroker({ ledger, market, clock });
  await act(broker, market);
  broker.flush();
  await settle();
  await broker.close();
  ledger.close();
  return makeHarness({ dir, clock });
}

const items = (hh: Harness): ReconciliationItem[] => hh.engine.state.reconciliation;
const order = (clientOrderId: string, side: 'buy' | 'sell', qty: number, type: 'market' | 'limit' = 'market', limitPrice: number | null = null) => ({ clientOrderId, symbol: 'MSFT', side, type, qty, limitPrice, stopPrice: null, tif: 'day' as const });

describe('reconciliation', () => {
  it('finds a position opened at the broker while the app was down, locks autonomous mode until adopted', async () => {
    h = await makeHarness();
    h = await tradeWhileAppIsDown(h, async (b) => void (await b.submitOrder(order('web-1', 'buy', 7))));
    expect(items(h)).toHaveLength(1);
    expect(items(h)[0]).toMatchObject({ id: 'position:MSFT', kind: 'position', journalQty: 0, brokerQty: 7, resolution: null });
    expect(h.engine.readiness().find((i) => i.id === 'reconciliation_clean')?.status).toBe('fail');
    const locked = await h.engine.dispatch('supervisor:set_mode', { mode: 'autonomous' });
    expect(locked).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(!locked.ok && locked.error.message).toMatch(/1 reconciliation difference.*position MSFT: journal 0, broker 7/);

    const r = await h.engine.dispatch('reconcile:resolve', { id: 'position:MSFT', action: 'adopt' });
    expect(r).toMatchObject({ ok: true, value: { resolution: { action: 'adopt' } } });
    expect(h.engine.state.positions.get('MSFT')?.qty).toBe(7);
    expect((await h.engine.dispatch('supervisor:set_mode', { mode: 'autonomous' })).ok).toBe(true);
    await h.engine.dispatch('supervisor:set_mode', { mode: 'manual' });
    h = await h.restart();
    expect(items(h)).toEqual([]); // journal and broker agree now
    expect(h.engine.readiness().find((i) => i.id === 'reconciliation_clean')?.status).toBe('pass');
  });

  it('ignore is remembered across restarts while the difference is unchanged, and asked again when it changes', async () => {
    h = await makeHarness();
    h = await tradeWhileAppIsDown(h, async (b) => void (await b.submitOrder(order('web-2', 'buy', 3))));
    await h.engine.dispatch('reconcile:resolve', { id: 'position:MSFT', action: 'ignore' });
    h = await h.restart();
    expect(items(h)[0]?.resolution?.action).toBe('ignore');
    expect((await h.engine.dispatch('supervisor:set_mode', { mode: 'autonomous' })).ok).toBe(true);
    await h.engine.dispatch('supervisor:set_mode', { mode: 'manual' });
    h = await tradeWhileAppIsDown(h, async (b) => void (await b.submitOrder(order('web-3', 'buy', 2))));
    expect(items(h)[0]).toMatchObject({ brokerQty: 5, resolution: null });
  });

  it('close flattens the position at the broker and leaves journal and broker in agreement', async () => {
    h = await makeHarness();
    h = await tradeWhileAppIsDown(h, async (b) => void (await b.submitOrder(order('web-4', 'buy', 4))));
    const r = await h.engine.dispatch('reconcile:resolve', { id: 'position:MSFT', action: 'close' });
    expect(r.ok).toBe(true);
    await settle(10);
    const broker = await h.sim.listPositions();
    expect(broker.ok && broker.value.filter((p) => p.symbol === 'MSFT')).toEqual([]);
    expect(h.engine.state.positions.has('MSFT')).toBe(false);
  });

  it('an order working at the broker but unknown to the journal: close cancels it, adopt journals it', async () => {
    h = await makeHarness();
    h = await tradeWhileAppIsDown(h, async (b, m) => {
      const px = Math.floor((m.lastPrice('MSFT') ?? 100) * 0.5);
      await b.submitOrder(order('web-5', 'buy', 1, 'limit', px));
      await b.submitOrder(order('web-6', 'buy', 1, 'limit', px));
    });
    expect(items(h).map((i) => i.id).sort()).toEqual(['order:web-5', 'order:web-6']);
    expect((await h.engine.dispatch('reconcile:resolve', { id: 'order:web-5', action: 'close' })).ok).toBe(true);
    expect((await h.engine.dispatch('reconcile:resolve', { id: 'order:web-6', action: 'adopt' })).ok).toBe(true);
    await settle();
    const open = await h.sim.listOpenOrders();
    expect(open.ok && open.value.map((o) => o.clientOrderId)).toEqual(['web-6']);
    expect(h.engine.state.openOrders.get('web-6')).toMatchObject({ origin: 'external', status: 'accepted' });
    expect(await h.engine.dispatch('reconcile:resolve', { id: 'order:web-5', action: 'adopt' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('refuses an unknown id or action with a typed error', async () => {
    h = await makeHarness();
    expect(await h.engine.dispatch('reconcile:resolve', { id: 'position:NOPE', action: 'adopt' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await h.engine.dispatch('reconcile:resolve', { id: 'position:AAPL', action: 'delete' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });
});

describe('a broker that throws instead of answering, during background work', () => {
  it('the periodic reconciliation failure is audited and shown; nothing is left unhandled and the engine keeps working', async () => {
    const { FaultyBroker } = await import('./faultyBroker');
    let faulty: InstanceType<typeof FaultyBroker> | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)) });
    faulty!.onCall = (m) => {
      if (m === 'listPositions') throw new Error('socket destroyed mid-read');
    };
    h.clock.advance(60_000);
    h.engine.tick();
    await settle();
    expect(h.store.listAudit(20).some((a) => a.kind === 'error' && /periodic reconciliation: socket destroyed mid-read/.test(a.message))).toBe(true);
    faulty!.onCall = null;
    expect((await h.engine.dispatch('app:snapshot', {})).ok).toBe(true);
  });
});
