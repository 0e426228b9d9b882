// Account breakers, the dead-man switch, the drill, "approve next N" and crash detection,
// on the real engine over a real store and the simulator, driven by a test clock.
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert, StopReport } from '../../../engine/domain/types';
import { makeHarness, settle, type Harness } from './harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h?.cleanup();
  h = null;
});

const alerts = (hh: Harness): Alert[] => hh.events.filter((e) => e.name === 'alerts:raised').map((e) => e.payload as Alert);

/** Mark the account at `equity` against the given day-start and peak, then one bar so the engine re-marks. */
async function markAt(hh: Harness, equity: number, dayStart: number, peak: number): Promise<void> {
  const a = hh.engine.state.account;
  Object.assign(a, { cash: equity, equity, dayStartEquity: dayStart, peakEquity: peak, updatedAt: hh.clock.now() });
  hh.market.step(1);
  await settle();
}

describe('daily loss breaker (alert 2%, reducing 5%)', () => {
  it('alerts once at 2% and stops new entries at 5%, persisted with who and why', async () => {
    h = await makeHarness();
    await markAt(h, 98_050, 100_000, 100_000); // 1.95%
    expect(alerts(h)).toHaveLength(0);
    await markAt(h, 98_000, 100_000, 100_000); // 2%
    await markAt(h, 97_900, 100_000, 100_000);
    expect(alerts(h).filter((a) => a.kind === 'daily_loss')).toHaveLength(1);
    expect(h.engine.state.tradingState.state).toBe('active');
    await markAt(h, 95_000, 100_000, 100_000); // 5%
    expect(h.engine.state.tradingState).toMatchObject({ state: 'reducing', setBy: 'breaker', latched: false });
    expect(h.engine.state.tradingState.reason).toMatch(/daily loss 5\.0% reached the 5% limit/);
    expect(h.store.restore().tradingState?.state).toBe('reducing');
    const order = await h.engine.dispatch('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' });
    expect(order).toMatchObject({ ok: false, error: { code: 'risk_denied' } });
  });
});

describe('drawdown breaker (alert 10%, emergency stop 20%)', () => {
  it('alerts at 10% and pulls the emergency stop at 20% from the peak', async () => {
    h = await makeHarness();
    await markAt(h, 90_100, 90_100, 100_000); // 9.9%
    expect(alerts(h).filter((a) => a.kind === 'drawdown')).toHaveLength(0);
    await markAt(h, 90_000, 90_000, 100_000); // 10%
    expect(alerts(h).filter((a) => a.kind === 'drawdown')).toHaveLength(1);
    await markAt(h, 80_001, 80_001, 100_000);
    expect(h.engine.state.tradingState.state).toBe('active');
    await markAt(h, 80_000, 80_000, 100_000); // 20%
    await settle(10);
    expect(h.engine.state.tradingState).toMatchObject({ state: 'halted', latched: true, setBy: 'breaker' });
    expect(h.engine.state.lastStop?.source).toBe('breaker');
  });
});

describe('dead-man switch (autonomous mode only)', () => {
  it('goes to reducing when market data is silent beyond the threshold, and says why', async () => {
    h = await makeHarness();
    h.market.step(1);
    await h.engine.dispatch('supervisor:set_mode', { mode: 'autonomous' });
    h.clock.advance(30_000);
    h.engine.tick();
    expect(h.engine.state.tradingState.state).toBe('active');
    h.clock.advance(1_001);
    h.engine.tick();
    await settle();
    expect(h.engine.state.tradingState).toMatchObject({ state: 'reducing', setBy: 'breaker' });
    expect(alerts(h).some((a) => a.kind === 'data_stale' && a.level === 'critical')).toBe(true);
  });

  it('does nothing in manual mode', async () => {
    h = await makeHarness();
    h.market.step(1);
    h.clock.advance(120_000);
    h.engine.tick();
    expect(h.engine.state.tradingState.state).toBe('active');
  });
});

describe('emergency-stop drill', () => {
  it('runs the whole sequence, records it with its timings, re-arms in manual mode, and the checklist passes', async () => {
    h = await makeHarness();
    const before = h.engine.readiness().find((i) => i.id === 'emergency_stop_tested');
    expect(before?.status).toBe('warn');
    const r = await h.engine.dispatch('killswitch:drill', {});
    expect(r.ok).toBe(true);
    const report = (r as { value: StopReport }).value;
    expect(report.source).toBe('drill');
    expect(report.status).toBe('confirmed');
    expect(report.steps.every((s) => s.status === 'done' || s.status === 'skipped')).toBe(true);
    expect(h.engine.state.tradingState).toMatchObject({ state: 'active', latched: false });
    expect(h.engine.state.mode).toBe('manual');
    expect(h.engine.readiness().find((i) => i.id === 'emergency_stop_tested')?.status).toBe('pass');
    h = await h.restart();
    expect(h.engine.state.lastDrill?.id).toBe(report.id);
    h.clock.advance(7 * 24 * 3600 * 1000 + 1);
    expect(h.engine.readiness().find((i) => i.id === 'emergency_stop_tested')?.status).toBe('warn');
  });

  it('refuses to run while halted', async () => {
    h = await makeHarness();
    await h.engine.dispatch('killswitch:engage', {});
    expect(await h.engine.dispatch('killswitch:drill', {})).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });
});

describe('approve next N', () => {
  it('sends the next N proposals without waiting, then goes back to asking', async () => {
    h = await makeHarness();
    expect(await h.engine.dispatch('orders:approve_next', { count: 1 })).toMatchObject({ ok: true, value: { remaining: 1 } });
    for (let i = 0; i < 3000 && h.ledger.totalSubmissions().accepted === 0; i++) {
      h.clock.advance(1000);
      h.market.step(1);
      await settle(1);
    }
    expect(h.ledger.totalSubmissions().accepted).toBe(1);
    expect(h.engine.approvals.pending()).toHaveLength(0);
    for (let i = 0; i < 3000 && h.engine.approvals.pending().length === 0; i++) {
      h.clock.advance(1000);
      h.market.step(1);
      await settle(1);
    }
    expect(h.engine.approvals.pending().length).toBeGreaterThanOrEqual(1); // several symbols may cross on one bar
    expect(h.ledger.totalSubmissions().accepted).toBe(1);
  });
  it('refuses more than 50', async () => {
    h = await makeHarness();
    const r = await h.engine.dispatch('orders:approve_next', { count: 51 });
    expect(!r.ok && r.error.message).toMatch(/approve at most the next 50/);
  });
});

describe('crash detection', () => {
  it('after an unclean stop, the next start alerts with when it was last alive', async () => {
    h = await makeHarness();
    h.engine.tick();
    await settle();
    // a crash: the files are left as they are, without the engine's clean shutdown
    const { dir, clock } = h;
    await h.sim.close();
    h.ledger.close();
    h.store.close();
    clock.advance(90_000);
    h = await makeHarness({ dir, clock });
    // an alert is shown once its record is on disk (the group commit's fsync runs off-thread)
    await settle();
    const snap = await h.engine.dispatch('app:snapshot', {});
    const list = (snap as { value: { alerts: Alert[] } }).value.alerts;
    expect(list.some((a) => a.kind === 'unclean_shutdown' && /stopped unexpectedly/.test(a.message))).toBe(true);
  });
  it('a clean restart raises no such alert', async () => {
    h = await makeHarness();
    h = await h.restart();
    await settle();
    const r = await h.engine.dispatch('alerts:list', {});
    expect((r as { value: Alert[] }).value.filter((a) => a.kind === 'unclean_shutdown')).toHaveLength(0);
  });
});

describe('settings validation names the limit', () => {
  it.each([
    [{ risk: { riskPerTradePct: 0.03 } }, /risk per trade must be at most 2%/],
    [{ risk: { riskPerTradePct: -0.01 } }, /risk per trade must be greater than 0%/],
    [{ risk: { maxPositionNotionalPct: 1.5 } }, /max position size must be at most 100%/],
    [{ risk: { dailyLossAlertPct: 0.06 } }, /dailyLossAlertPct \(0\.06\) must not be above risk\.dailyLossReducePct/],
    [{ deadMan: { dataStaleSec: 1 } }, /dead-man market data timeout \(s\) must be at least 5/],
  ])('%j', async (patch, message) => {
    h = await makeHarness();
    const r = await h.engine.dispatch('settings:update', { patch });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(message);
  });
});

describe('readiness gating', () => {
  it('on the simulator nothing is gated, and the checklist includes the lab evidence items', async () => {
    h = await makeHarness();
    const ids = h.engine.readiness().map((i) => i.id);
    expect(ids.length).toBeGreaterThan(8);
    expect(h.engine.readiness().filter((i) => i.status === 'fail').length).toBeGreaterThan(0); // no backtest saved yet
    expect((await h.engine.dispatch('supervisor:set_mode', { mode: 'autonomous' })).ok).toBe(true);
  });

  it('the paper-trading items read the equity curve through the store when the evidence is refreshed', async () => {
    h = await makeHarness();
    for (const [i, equity] of [100_000, 101_000, 102_000].entries()) h.store.appendEquity({ t: Date.UTC(2020, 0, 1 + i, 15), equity, cash: equity });
    h.engine.refreshEvidence();
    const days = new Set(h.store.equityCurve(1_000_000).map((p) => new Date(p.t).toISOString().slice(0, 10))).size;
    expect(days).toBeGreaterThanOrEqual(3);
    const item = h.engine.readiness().find((i) => i.id === 'paper_days');
    expect(item?.status).toBe('fail');
    expect(item?.evidence).toMatch(new RegExp(`^${days} trading days with equity recorded on ${h.broker.status.kind} \\(${h.broker.status.environment}\\), 2020-01-01 to `));
    expect(h.engine.readiness().find((i) => i.id === 'paper_vs_backtest')?.status).toBe('warn');
  });
});

describe('readiness: account, keys and live throttle items', () => {
  const item = (hh: Harness, id: string) => hh.engine.readiness().find((i) => i.id === id);
  it('reads the account from the broker: active and not blocked passes', async () => {
    h = await makeHarness();
    expect(item(h, 'account_active')).toMatchObject({ status: 'pass', evidence: expect.stringMatching(/account status ACTIVE/) });
    (h.engine.state as { brokerAccount: unknown }).brokerAccount = { status: 'ACTIVE', tradingBlocked: true, checkedAt: h.clock.now() };
    expect(item(h, 'account_active')).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/TRADING BLOCKED/) });
  });
  it('keys: the simulator needs none; keys kept in a plain file warn; encrypted ones pass', async () => {
    h = await makeHarness();
    expect(item(h, 'keys_encrypted')?.status).toBe('pass');
    const state = h.engine.state as { keyStorage: unknown; broker?: unknown };
    state.keyStorage = { encrypted: false, detail: 'keys in /x/alpaca-keys.json (mode 600)' };
    // on the simulator keys never matter; the item judges them only for a real broker
    expect(item(h, 'keys_encrypted')?.status).toBe('pass');
  });
  it('the live throttle passes below 100% of equity and warns when lifted entirely', async () => {
    h = await makeHarness();
    expect(item(h, 'live_throttle_set')).toMatchObject({ status: 'pass', evidence: expect.stringMatching(/capped at 5\.0% of equity/) });
    await h.engine.dispatch('settings:update', { patch: { risk: { liveExposureCapPct: 1 } } });
    expect(item(h, 'live_throttle_set')?.status).toBe('warn');
  });
});
