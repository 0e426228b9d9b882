import { afterEach, describe, expect, it } from 'vitest';
import type { Approval, OrderIntent } from '../../../engine/domain/types';
import { makeHarness, lastPrice, settle, type Harness } from './harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h?.cleanup();
  h = null;
});

function intentFor(hh: Harness, over: Partial<OrderIntent> = {}): OrderIntent {
  const price = lastPrice(hh, 'AAPL');
  return { intentKey: `test:AAPL:buy:${hh.clock.now()}`, symbol: 'AAPL', side: 'buy', type: 'market', qty: 3, limitPrice: null, origin: 'strategy', strategyId: 'sma-cross', reason: 'test signal', refPrice: price, barTime: hh.clock.now(), ...over };
}

function propose(hh: Harness, over: Partial<OrderIntent> = {}): Approval {
  const intent = intentFor(hh, over);
  return hh.engine.approvals.propose(intent, { method: 'fixed', equity: 1, price: intent.refPrice, rawQty: intent.qty, qty: intent.qty, text: 'test' }, [], { smaFast: 1, smaSlow: 2 });
}

/** Step the simulated market (bounded) until the strategy proposes something. */
async function stepUntilApproval(hh: Harness, maxBars = 3000): Promise<Approval> {
  for (let i = 0; i < maxBars; i++) {
    hh.clock.advance(1000);
    hh.market.step(1);
    const pending = hh.engine.approvals.pending();
    if (pending.length > 0) return pending[0]!;
  }
  throw new Error(`no approval proposed within ${maxBars} bars`);
}

describe('approval queue', () => {
  it('in manual mode a strategy signal waits for approval with its reason, sizing arithmetic, checks and indicators; nothing is sent', async () => {
    h = await makeHarness();
    const a = await stepUntilApproval(h);
    expect(a.intent.reason).toMatch(/SMA\(10\) .* crossed above SMA\(20\)/);
    expect(a.sizing.method).toBe('risk-based');
    expect(a.sizing.text).toMatch(/^risk 1\.0% of \$[\d,.]+ = \$[\d,.]+; stop 2\.0 x ATR [\d.]+ = \$[\d,.]+ \(stop \$[\d,.]+, target \$[\d,.]+\)/);
    expect(a.sizing.stopPrice).toBeLessThan(a.intent.refPrice);
    expect(a.sizing.targetPrice).toBeGreaterThan(a.intent.refPrice);
    expect(a.checks.length).toBeGreaterThan(3);
    expect(a.checks.every((c) => c.passed)).toBe(true);
    expect(Object.keys(a.indicators)).toEqual(['smaFast', 'smaSlow']);
    expect(a.expiresAt - a.createdAt).toBe(60_000);
    expect(h.ledger.totalSubmissions().accepted).toBe(0);
    expect(h.store.restore().pendingApprovals.map((x) => x.id)).toEqual([a.id]);
  });

  it('expires an approval at its deadline (not before) and records it; approving afterwards sends nothing', async () => {
    h = await makeHarness();
    const a = propose(h);
    h.clock.advance(59_999);
    expect(h.engine.approvals.expireDue()).toBe(0);
    h.clock.advance(1);
    expect(h.engine.approvals.expireDue()).toBe(1);
    expect(h.engine.approvals.pending()).toHaveLength(0);
    expect(h.store.restore().pendingApprovals).toHaveLength(0);
    const r = await h.engine.dispatch('orders:approve', { approvalId: a.id });
    expect(r).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(h.ledger.totalSubmissions().accepted).toBe(0);
  });

  it('approving sends exactly one order, and the order fills', async () => {
    h = await makeHarness();
    const a = propose(h);
    const r = await h.engine.dispatch('orders:approve', { approvalId: a.id });
    expect(r.ok).toBe(true);
    const again = await h.engine.dispatch('orders:approve', { approvalId: a.id });
    expect(again).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await settle();
    expect(h.ledger.totalSubmissions()).toEqual({ accepted: 1, refused: 0 });
    expect(h.engine.state.positions.get('AAPL')?.qty).toBe(3);
  });

  it('re-checks the price on approval: a move of more than 0.5% against the order rejects it', async () => {
    h = await makeHarness();
    const price = lastPrice(h, 'AAPL');
    const a = propose(h, { refPrice: price / 1.0051 }); // price is now 0.51% above the proposal
    const r = await h.engine.dispatch('orders:approve', { approvalId: a.id });
    expect(r).toMatchObject({ ok: false, error: { code: 'risk_denied' } });
    expect(!r.ok && r.error.message).toMatch(/moved 0\.51% against/);
    expect(h.ledger.totalSubmissions().accepted).toBe(0);
    const b = propose(h, { intentKey: 'other', refPrice: price / 1.0049 });
    expect((await h.engine.dispatch('orders:approve', { approvalId: b.id })).ok).toBe(true);
  });

  it('re-checks the risk state on approval: halted in between means nothing is sent', async () => {
    h = await makeHarness();
    const a = propose(h);
    await h.engine.dispatch('killswitch:engage', {});
    const r = await h.engine.dispatch('orders:approve', { approvalId: a.id });
    expect(r.ok).toBe(false);
    expect(h.ledger.totalSubmissions().accepted).toBe(0);
  });

  it('reject records the reason and removes it from the queue', async () => {
    h = await makeHarness();
    const a = propose(h);
    const r = await h.engine.dispatch('orders:reject', { approvalId: a.id, reason: 'not today' });
    expect(r).toMatchObject({ ok: true, value: { status: 'rejected', decisionReason: 'not today' } });
    expect(h.engine.approvals.pending()).toHaveLength(0);
  });

  it('pending approvals survive a restart and still expire on time', async () => {
    h = await makeHarness();
    const a = propose(h);
    h = await h.restart();
    expect(h.engine.approvals.pending().map((x) => x.id)).toEqual([a.id]);
    h.clock.advance(60_000);
    h.engine.tick();
    expect(h.engine.approvals.pending()).toHaveLength(0);
  });
});

describe('switching to autonomous mode', () => {
  it('withdraws proposals still waiting for a person, so they do not hold their symbols', async () => {
    h = await makeHarness();
    propose(h);
    expect(h.engine.approvals.pending()).toHaveLength(1);
    await h.engine.dispatch('supervisor:set_mode', { mode: 'autonomous' });
    expect(h.engine.approvals.pending()).toHaveLength(0);
    await settle();
    expect(h.store.listAudit(20).some((a) => a.kind === 'approval_rejected' && /withdrawn: autonomous mode/.test(a.message))).toBe(true);
  });
});

describe('approving after a favourable move', () => {
  it('sends the bracket moved with the price, so its legs stay on either side of the market', async () => {
    h = await makeHarness();
    const price = lastPrice(h, 'AAPL');
    const ref = Math.round(price * 1.02 * 100) / 100; // proposed 2% higher: the price has since fallen, in the buyer's favour
    const a = propose(h, { refPrice: ref, bracket: { stopLoss: Math.round((ref - 4) * 100) / 100, takeProfit: Math.round((ref + 6) * 100) / 100 } });
    const r = await h.engine.dispatch('orders:approve', { approvalId: a.id });
    expect(r.ok).toBe(true);
    const sent = (r as { value: { bracket?: { stopLoss: number; takeProfit: number } | null } }).value.bracket;
    expect(sent?.stopLoss).toBeCloseTo(price - 4, 1);
    expect(sent?.takeProfit).toBeCloseTo(price + 6, 1);
    expect(sent!.stopLoss).toBeLessThan(price);
    expect(sent!.takeProfit).toBeGreaterThan(price);
  });
});
