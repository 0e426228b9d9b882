import { afterEach, describe, expect, it } from 'vitest';
import type { StopReport } from '../../../engine/domain/types';
import { FaultyBroker } from './faultyBroker';
import { makeHarness, placeRestingOrders, settle, type Harness } from './harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h?.cleanup();
  h = null;
});

async function engage(hh: Harness, flatten = false): Promise<StopReport> {
  const r = await hh.engine.dispatch('killswitch:engage', { flatten, source: 'ui' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value as StopReport;
}

async function buy(hh: Harness, symbol: string, qty: number): Promise<void> {
  const r = await hh.engine.dispatch('orders:submit', { symbol, side: 'buy', qty, type: 'market' });
  if (!r.ok) throw new Error(r.error.message);
  await settle();
}

describe('KillSwitch sequence', () => {
  it('halts durably before any cancel is issued, then cancels every open order and confirms zero at the broker', async () => {
    let stateWhenCancelIssued: string | null = null;
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({
      wrapBroker: (b) => (faulty = new FaultyBroker(b)),
    });
    await placeRestingOrders(h, 20);
    expect(h.engine.state.openOrders.size).toBe(20);
    faulty!.onCall = (m) => {
      // read what is on disk, not in memory: the halt must already be durable
      if (m === 'cancelAllOrders' && stateWhenCancelIssued === null) stateWhenCancelIssued = h!.store.restore().tradingState?.state ?? null;
    };
    const report = await engage(h);
    expect(stateWhenCancelIssued).toBe('halted');
    expect(report.status).toBe('confirmed');
    expect(report.openOrdersRemaining).toBe(0);
    expect(report.steps.map((s) => [s.name, s.status])).toEqual([
      ['halt', 'done'],
      ['cancel_orders', 'done'],
      ['flatten', 'skipped'],
      ['confirm', 'done'],
    ]);
    await settle();
    expect((await h.sim.listOpenOrders()).ok && (await h.sim.listOpenOrders())).toMatchObject({ value: [] });
    expect(h.engine.state.openOrders.size).toBe(0);
    expect(h.store.listOrders('open', 100)).toHaveLength(0);
    expect(h.engine.state.tradingState).toMatchObject({ state: 'halted', latched: true, setBy: 'killswitch' });
    expect(h.engine.state.mode).toBe('manual');
  });

  it('flatten closes every position and waits until the broker reports zero positions', async () => {
    h = await makeHarness();
    await buy(h, 'AAPL', 5);
    await buy(h, 'MSFT', 3);
    expect(h.engine.state.positions.size).toBe(2);
    const report = await engage(h, true);
    expect(report.status).toBe('confirmed');
    expect(report.positionsRemaining).toBe(0);
    await settle();
    const pos = await h.sim.listPositions();
    expect(pos.ok && pos.value).toEqual([]);
    expect(h.engine.state.positions.size).toBe(0);
  });

  it('falls back to cancelling order by order when cancel-all fails', async () => {
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)) });
    await placeRestingOrders(h, 5);
    faulty!.fail('cancelAllOrders', { kind: 'server', message: '500 internal error' });
    const report = await engage(h);
    expect(report.status).toBe('confirmed');
    expect(faulty!.calls.filter((c) => c === 'cancelOrder').length).toBe(5);
    expect(report.steps.find((s) => s.name === 'cancel_orders')?.detail).toMatch(/cancel-all failed \(500 internal error\)/);
  });

  it('retries a rate-limited step after Retry-After and still confirms', async () => {
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)) });
    await placeRestingOrders(h, 3);
    faulty!.fail('cancelAllOrders', { kind: 'rate_limited', message: '429 too many requests', retryAfterMs: 30 });
    faulty!.fail('listOpenOrders', { kind: 'rate_limited', message: '429 too many requests', retryAfterMs: 30 });
    const started = Date.now();
    const report = await engage(h);
    expect(report.status).toBe('confirmed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(report.steps.find((s) => s.name === 'cancel_orders')?.attempts).toBe(2);
  });

  it('keeps polling a broker that confirms slowly', async () => {
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)), killSwitch: { backoffMs: 1, pollMs: 1, confirmTimeoutMs: 2000 } });
    await placeRestingOrders(h, 2);
    faulty!.phantomOpenOrders = 8;
    faulty!.calls = [];
    const report = await engage(h);
    expect(report.status).toBe('confirmed');
    const confirm = report.steps.find((s) => s.name === 'confirm');
    // the phantom order is seen by the cancel step once, then by the confirm poll until it clears
    expect(faulty!.calls.filter((c) => c === 'listOpenOrders').length).toBe(9);
    expect(confirm?.attempts).toBe(8);
  });

  it('ends loudly failed, never silently, when the broker never confirms', async () => {
    let faulty: FaultyBroker | null = null;
    h = await makeHarness({ wrapBroker: (b) => (faulty = new FaultyBroker(b)), killSwitch: { backoffMs: 1, pollMs: 1, confirmTimeoutMs: 60, maxAttempts: 3 } });
    await placeRestingOrders(h, 2);
    const down = { kind: 'network' as const, message: 'ETIMEDOUT' };
    faulty!.fail('cancelAllOrders', down);
    faulty!.fail('listOpenOrders', ...Array.from({ length: 500 }, () => down));
    faulty!.fail('cancelOrder', ...Array.from({ length: 500 }, () => down));
    const report = await engage(h);
    expect(report.status).toBe('failed');
    expect(report.steps.find((s) => s.name === 'confirm')?.detail).toMatch(/NOT CONFIRMED/);
    expect(report.steps.find((s) => s.name === 'cancel_orders')?.status).toBe('failed');
    // still halted and latched even though the broker never answered
    expect(h.engine.state.tradingState).toMatchObject({ state: 'halted', latched: true });
    await settle();
    const audit = h.store.listAudit(50);
    expect(audit.some((a) => a.kind === 'killswitch' && /NOT CONFIRMED/.test(a.message))).toBe(true);
    expect(h.events.some((e) => e.name === 'alerts:raised' && e.payload.kind === 'stop_failed' && e.payload.level === 'critical')).toBe(true);
  });

  it('a stop request while already halted is a no-op that reports the current state', async () => {
    h = await makeHarness();
    const first = await engage(h);
    expect(first.status).toBe('confirmed');
    const second = await engage(h);
    expect(second.status).toBe('noop');
    expect(second.steps.every((s) => s.status === 'skipped')).toBe(true);
  });

  it('clears the approval queue and refuses new orders and autonomous mode while halted', async () => {
    h = await makeHarness();
    await engage(h);
    const order = await h.engine.dispatch('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' });
    expect(order).toMatchObject({ ok: false, error: { code: 'halted' } });
    const mode = await h.engine.dispatch('supervisor:set_mode', { mode: 'autonomous' });
    expect(mode).toMatchObject({ ok: false, error: { code: 'halted' } });
    expect(h.ledger.totalSubmissions().accepted).toBe(0);
  });

  it('stays latched across a restart until re-armed with a reason, and re-arming returns to active in manual mode', async () => {
    h = await makeHarness();
    await engage(h);
    await h.engine.dispatch('supervisor:set_mode', { mode: 'autonomous' });
    h = await h.restart();
    expect(h.engine.state.tradingState).toMatchObject({ state: 'halted', latched: true });
    expect(h.engine.state.mode).toBe('manual');
    const noReason = await h.engine.dispatch('killswitch:rearm', { reason: ' ' });
    expect(noReason).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(h.engine.state.tradingState.state).toBe('halted');
    const rearmed = await h.engine.dispatch('killswitch:rearm', { reason: 'drill finished' });
    expect(rearmed).toMatchObject({ ok: true, value: { state: 'active', latched: false, setBy: 'user', reason: 'drill finished' } });
    expect(h.engine.state.mode).toBe('manual');
    h = await h.restart();
    expect(h.engine.state.tradingState).toMatchObject({ state: 'active', latched: false });
  });
});
