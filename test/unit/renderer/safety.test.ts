// The safety side of the renderer: the alerts slice (bounded, newest first, unseen count, toasted
// once from one place), trading-state words (who, when, why), stop-report text (timings, attempts,
// NOT CONFIRMED), risk-check figures per rule, "Approve next N", and how the bridge feeds them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert, RiskCheckResult, StopStep, TradingStateRecord } from '../../../engine/domain/types';
import { startBridge } from '../../../renderer/bridge';
import { checkFigures } from '../../../renderer/riskChecks';
import {
  alertKindLabel,
  ALERTS_KEEP,
  applyAlertsSnapshot,
  markAlertsSeen,
  mergeAlerts,
  raiseAlert,
  unseenAlerts,
  useAlertsStore,
} from '../../../renderer/store/alerts';
import { parseApproveNext, useApprovalsStore } from '../../../renderer/store/approvals';
import { applyStopProgress, stateCause, tradingStateTitle, useKillSwitchStore } from '../../../renderer/store/killswitch';
import { ALERT_WARNING_TOAST_MS, INFO_TOAST_MS, toastLifetimeMs, useToastsStore } from '../../../renderer/store/toasts';
import { notConfirmedText, reportDurationMs, stepTimingText } from '../../../renderer/stopReportText';
import { FakeApiClient } from './fakeApiClient';
import { snapshot, stopReport, T0 } from './fixtures';

const alert = (id: number, over: Partial<Alert> = {}): Alert => ({
  id,
  at: T0 + id,
  level: 'warning',
  kind: 'daily_loss',
  message: `alert ${id}`,
  ...over,
});

const step = (over: Partial<StopStep> = {}): StopStep => ({
  name: 'cancel_orders',
  status: 'done',
  startedAt: T0,
  endedAt: T0 + 12,
  attempts: 1,
  detail: '',
  ...over,
});

function resetSlices(): void {
  useAlertsStore.setState({ alerts: [], seenUpToId: 0 });
  useToastsStore.setState({ toasts: [] });
  useKillSwitchStore.setState({ tradingState: null, lastStop: null, lastDrill: null });
  useApprovalsStore.setState({ approvals: [], autoApproveRemaining: 0 });
}

describe('alerts slice', () => {
  beforeEach(resetSlices);

  it('keeps one copy per id, newest first, bounded', () => {
    expect(mergeAlerts([alert(1), alert(3)], [alert(2), alert(3, { message: 'updated' })]).map((a) => [a.id, a.message])).toEqual([
      [3, 'updated'],
      [2, 'alert 2'],
      [1, 'alert 1'],
    ]);
    const many = Array.from({ length: ALERTS_KEEP + 20 }, (_, i) => alert(i + 1));
    const kept = mergeAlerts([], many);
    expect(kept).toHaveLength(ALERTS_KEEP);
    expect(kept[0]?.id).toBe(ALERTS_KEEP + 20);
  });

  it('counts unseen warning and critical alerts, not info, and says when one is critical', () => {
    const list = [alert(4, { level: 'info' }), alert(3, { level: 'critical' }), alert(2), alert(1)];
    expect(unseenAlerts(list, 0)).toEqual({ count: 3, critical: true });
    expect(unseenAlerts(list, 3)).toEqual({ count: 0, critical: false });
    expect(unseenAlerts(list, 1)).toEqual({ count: 2, critical: true });
    expect(unseenAlerts([alert(5)], 1)).toEqual({ count: 1, critical: false });
  });

  it('toasts a live warning or critical alert once, titled by kind; info alerts are listed only', () => {
    raiseAlert(alert(1, { level: 'critical', kind: 'stop_failed', message: 'drill did not confirm' }));
    raiseAlert(alert(1, { level: 'critical', kind: 'stop_failed', message: 'drill did not confirm' }));
    raiseAlert(alert(2, { level: 'warning', kind: 'drawdown' }));
    raiseAlert(alert(3, { level: 'info' }));
    expect(useAlertsStore.getState().alerts.map((a) => a.id)).toEqual([3, 2, 1]);
    expect(useToastsStore.getState().toasts.map((t) => [t.kind, t.source, t.title, t.message])).toEqual([
      ['error', 'alert', alertKindLabel('stop_failed'), 'drill did not confirm'],
      ['warning', 'alert', alertKindLabel('drawdown'), 'alert 2'],
    ]);
  });

  it('a warning\'s toast leaves by itself (the list keeps the alert); a critical one and a command\'s error stay', () => {
    expect(toastLifetimeMs('warning', 'alert')).toBe(ALERT_WARNING_TOAST_MS);
    expect(toastLifetimeMs('error', 'alert')).toBeNull();
    expect(toastLifetimeMs('error', 'command')).toBeNull();
    expect(toastLifetimeMs('info', 'command')).toBe(INFO_TOAST_MS);
  });

  it('opening the list marks everything seen; a later snapshot keeps that, and only newer alerts count', () => {
    applyAlertsSnapshot([alert(2), alert(1)]);
    expect(unseenAlerts(useAlertsStore.getState().alerts, useAlertsStore.getState().seenUpToId).count).toBe(2);
    markAlertsSeen();
    applyAlertsSnapshot([alert(3), alert(2), alert(1)]);
    const s = useAlertsStore.getState();
    expect(s.seenUpToId).toBe(2);
    expect(unseenAlerts(s.alerts, s.seenUpToId).count).toBe(1);
    // a snapshot does not toast: those alerts are history, not news
    expect(useToastsStore.getState().toasts).toHaveLength(0);
  });
});

describe('trading state: who, when and why', () => {
  const rec = (over: Partial<TradingStateRecord>): TradingStateRecord => ({ state: 'reducing', setBy: 'breaker', reason: '', at: T0, latched: false, ...over });

  it('tells the dead-man switch and the loss breakers apart by the engine\'s reason', () => {
    expect(stateCause(rec({ reason: 'dead-man switch: no market data for 40 s (limit 30 s)' }))).toBe('Dead-man switch');
    expect(stateCause(rec({ reason: 'daily loss 5.2% reached the 5% limit: no new entries today' }))).toBe('Daily-loss breaker');
    expect(stateCause(rec({ state: 'halted', reason: 'drawdown 21% >= 20%' }))).toBe('Drawdown breaker');
    expect(stateCause(rec({ state: 'halted', setBy: 'killswitch', reason: 'emergency stop (ui)' }))).toBe('Emergency stop');
  });

  it('the indicator\'s tooltip names the state, the setter, the time and the reason', () => {
    const title = tradingStateTitle(rec({ state: 'halted', setBy: 'killswitch', reason: 'emergency stop (ui, flatten)', latched: true }));
    expect(title).toMatch(/^Trading Halted \(latched until re-armed\) — set by the emergency stop at /);
    expect(title).toContain('2026-01-05');
    expect(title).toMatch(/: emergency stop \(ui, flatten\)$/);
  });

  it('a drill\'s progress updates both the last stop and the last drill; another stop leaves the drill alone', () => {
    const drill = stopReport({ id: 'd-1', source: 'drill', status: 'confirmed' });
    const after = applyStopProgress({ lastStop: null, lastDrill: null }, drill);
    expect(after).toEqual({ lastStop: drill, lastDrill: drill });
    const ui = stopReport({ id: 's-2', source: 'ui', requestedAt: T0 + 10 });
    expect(applyStopProgress(after, ui)).toEqual({ lastStop: ui, lastDrill: drill });
  });
});

describe('stop report text', () => {
  it('gives each step its start, duration and attempts, and says when it never ran', () => {
    expect(stepTimingText(step())).toMatch(/^\d\d:\d\d:\d\d · 12 ms · 1 attempt$/);
    expect(stepTimingText(step({ attempts: 3, endedAt: T0 + 900 }))).toMatch(/ · 900 ms · 3 attempts$/);
    expect(stepTimingText(step({ status: 'running', endedAt: null }))).toMatch(/ · in progress · 1 attempt$/);
    expect(stepTimingText(step({ status: 'skipped', startedAt: null, endedAt: null, attempts: 0 }))).toBe('not run');
    expect(stepTimingText(step({ status: 'pending', startedAt: null, endedAt: null, attempts: 0 }))).toBe('not started');
  });

  it('a failed report says NOT CONFIRMED with the failed steps and what may remain; others say nothing', () => {
    const failed = stopReport({
      status: 'failed',
      flatten: true,
      openOrdersRemaining: 2,
      positionsRemaining: 1,
      finishedAt: T0 + 5000,
      steps: [step({ name: 'halt' }), step({ status: 'failed', attempts: 5, detail: 'attempt 5 failed: 500' }), step({ name: 'confirm', status: 'failed' })],
    });
    expect(notConfirmedText(failed)).toBe(
      'NOT CONFIRMED (cancel open orders, broker confirms failed): 2 open orders and 1 position may remain at the broker. Check the broker, then stop again or close them there.',
    );
    expect(reportDurationMs(failed)).toBe(5000);
    expect(notConfirmedText(stopReport({ status: 'confirmed' }))).toBeNull();
    expect(notConfirmedText(stopReport({ status: 'running' }))).toBeNull();
  });
});

describe('risk check figures', () => {
  const c = (rule: string, value: number, limit: number): RiskCheckResult => ({ rule, passed: true, value, limit, message: '' });

  it('formats each rule\'s value and limit in its own unit', () => {
    expect(checkFigures(c('risk_per_trade', 0.0123, 0.02))).toMatchObject({ value: '1.23%', limit: '≤ 2%' });
    expect(checkFigures(c('max_position_notional', 12_345.5, 20_000))).toMatchObject({ value: '$12,345.50', limit: '≤ $20,000.00' });
    expect(checkFigures(c('gross_exposure', 50_000, 100_000))).toMatchObject({ value: '$50,000.00', limit: '≤ $100,000.00' });
    expect(checkFigures(c('min_notional', 950, 10))).toMatchObject({ value: '$950.00', limit: '≥ $10.00' });
    expect(checkFigures(c('max_open_positions', 3, 5))).toMatchObject({ value: '3', limit: '≤ 5' });
    expect(checkFigures(c('stale_data', 1500, 2000))).toMatchObject({ value: '1.5 s', limit: '≤ 2.0 s' });
    expect(checkFigures(c('volatility_breaker', 1.234, 3))).toMatchObject({ value: '1.23×', limit: '≤ 3.0×' });
    expect(checkFigures(c('concentration', 0.456, 0.8))).toMatchObject({ value: '0.46', limit: '≤ 0.80' });
    expect(checkFigures(c('order_rate', 2, 10))).toMatchObject({ value: '2/s', limit: '10/s' });
    expect(checkFigures(c('trading_state', 1, 1))).toMatchObject({ value: 'reducing', limit: 'active or reducing' });
    expect(checkFigures(c('trading_state', 0, 0))).toMatchObject({ value: 'active', limit: 'active' });
    expect(checkFigures(c('quantity', 406, 1))).toMatchObject({ value: '406', limit: 'step 1' });
  });

  it('still shows the figures of a rule it does not know', () => {
    expect(checkFigures(c('new_rule', 1.5, 2))).toEqual({ name: 'new rule', value: '1.5', limit: '2' });
  });
});

describe('approve next N', () => {
  it('accepts whole numbers from 1 to 50 only', () => {
    expect(parseApproveNext('1')).toBe(1);
    expect(parseApproveNext(' 50 ')).toBe(50);
    for (const bad of ['0', '51', '2.5', '-1', '', 'x']) expect(parseApproveNext(bad)).toBeNull();
  });
});

describe('bridge feeds the safety slices', () => {
  let stop: (() => void) | null = null;
  beforeEach(resetSlices);
  afterEach(() => {
    stop?.();
    stop = null;
  });

  it('takes the last drill, alerts and auto-approve count from the snapshot, then follows their events', async () => {
    const drill = stopReport({ id: 'd-1', source: 'drill', status: 'confirmed' });
    const client = new FakeApiClient();
    client.respond('app:snapshot', () => ({
      ok: true,
      value: snapshot({ lastDrill: drill, lastStop: drill, alerts: [alert(7, { kind: 'unclean_shutdown' })], autoApproveRemaining: 3 }),
    }));
    client.respond('audit:list', () => ({ ok: true, value: [] }));
    stop = startBridge(client);
    client.setStatus('connected');
    await new Promise((r) => setTimeout(r, 0));
    expect(useKillSwitchStore.getState().lastDrill?.id).toBe('d-1');
    expect(useAlertsStore.getState().alerts.map((a) => a.kind)).toEqual(['unclean_shutdown']);
    expect(useApprovalsStore.getState().autoApproveRemaining).toBe(3);
    expect(useToastsStore.getState().toasts).toHaveLength(0);

    client.emit('supervisor:auto_approve', { remaining: 2 });
    client.emit('alerts:raised', alert(8, { level: 'critical', kind: 'data_stale', message: 'no data' }));
    const drill2 = stopReport({ id: 'd-2', source: 'drill', requestedAt: T0 + 60_000, status: 'running' });
    client.emit('killswitch:progress', drill2);
    expect(useApprovalsStore.getState().autoApproveRemaining).toBe(2);
    expect(useAlertsStore.getState().alerts.map((a) => a.id)).toEqual([8, 7]);
    expect(useToastsStore.getState().toasts.map((t) => t.message)).toEqual(['no data']);
    expect(useKillSwitchStore.getState().lastDrill?.id).toBe('d-2');
    expect(useKillSwitchStore.getState().lastStop?.id).toBe('d-2');
  });
});
