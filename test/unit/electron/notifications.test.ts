// Desktop notifications for alerts, with `electron` mocked: which alerts notify, with what title,
// body and urgency, how bursts are throttled per kind, and that a failing notifier is only logged.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineEvent } from '../../../engine/api/contract';
import type { Alert } from '../../../engine/domain/types';

const m = vi.hoisted(() => {
  const shown: { options: Record<string, unknown>; handlers: Map<string, () => void> }[] = [];
  const state = { supported: true };
  class Notification {
    static isSupported = vi.fn(() => state.supported);
    readonly handlers = new Map<string, () => void>();
    constructor(readonly options: Record<string, unknown>) {}
    on(name: string, h: () => void): this {
      this.handlers.set(name, h);
      return this;
    }
    show(): void {
      shown.push({ options: this.options, handlers: this.handlers });
    }
  }
  return { shown, state, Notification };
});

vi.mock('electron', () => ({ Notification: m.Notification }));

import { NOTIFY_MIN_INTERVAL_MS, notificationTitle, startAlertNotifications } from '../../../electron/notifications';

function fakeEngine() {
  const listeners = new Set<(e: EngineEvent) => void>();
  return {
    subscribe: vi.fn((l: (e: EngineEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    }),
    emit: (e: EngineEvent) => {
      for (const l of [...listeners]) l(e);
    },
    listenerCount: () => listeners.size,
  };
}

const alert = (over: Partial<Alert> = {}): EngineEvent => ({
  name: 'alerts:raised',
  payload: { id: 1, at: 0, level: 'critical', kind: 'stop_failed', message: 'the broker did not confirm', ...over },
});

afterEach(() => {
  m.shown.length = 0;
  m.state.supported = true;
});

describe('alert notifications', () => {
  it('shows a warning or critical alert as an Electron notification: title by kind, body = message, urgency by level', () => {
    const engine = fakeEngine();
    startAlertNotifications(engine, { log: vi.fn(), now: () => 0 });
    engine.emit(alert());
    engine.emit(alert({ id: 2, level: 'warning', kind: 'daily_loss', message: 'Daily loss 2.1% passed the 2% alert level' }));
    expect(m.shown.map((n) => n.options)).toEqual([
      { title: 'Emergency stop NOT confirmed', body: 'the broker did not confirm', urgency: 'critical' },
      { title: 'Daily loss', body: 'Daily loss 2.1% passed the 2% alert level', urgency: 'normal' },
    ]);
  });

  it('ignores info alerts and every other event', () => {
    const engine = fakeEngine();
    startAlertNotifications(engine, { log: vi.fn(), now: () => 0 });
    engine.emit(alert({ level: 'info' }));
    engine.emit({ name: 'supervisor:auto_approve', payload: { remaining: 1 } });
    expect(m.shown).toHaveLength(0);
  });

  it('throttles a burst to one notification per kind per 10 s, other kinds unaffected', () => {
    const engine = fakeEngine();
    let t = 1_000;
    startAlertNotifications(engine, { log: vi.fn(), now: () => t });
    engine.emit(alert({ id: 1, kind: 'data_stale' }));
    t += NOTIFY_MIN_INTERVAL_MS - 1;
    engine.emit(alert({ id: 2, kind: 'data_stale' }));
    engine.emit(alert({ id: 3, kind: 'broker_lost' }));
    t += 1;
    engine.emit(alert({ id: 4, kind: 'data_stale', message: 'again' }));
    expect(m.shown.map((n) => [n.options.title, n.options.body])).toEqual([
      [notificationTitle('data_stale'), 'the broker did not confirm'],
      [notificationTitle('broker_lost'), 'the broker did not confirm'],
      [notificationTitle('data_stale'), 'again'],
    ]);
  });

  it('a click on a notification calls onClick (the host brings its window to the front)', () => {
    const engine = fakeEngine();
    const onClick = vi.fn();
    startAlertNotifications(engine, { log: vi.fn(), onClick });
    engine.emit(alert());
    m.shown[0]?.handlers.get('click')?.();
    expect(onClick).toHaveBeenCalledTimes(1);
  });

  it('shows nothing where the platform has no notifications, and logs a notifier that throws', () => {
    const engine = fakeEngine();
    m.state.supported = false;
    startAlertNotifications(engine, { log: vi.fn() });
    engine.emit(alert());
    expect(m.shown).toHaveLength(0);

    const log = vi.fn();
    const throwing = fakeEngine();
    startAlertNotifications(throwing, {
      log,
      show: () => {
        throw new Error('no notification daemon');
      },
    });
    expect(() => throwing.emit(alert())).not.toThrow();
    expect(log).toHaveBeenCalledWith('warn', expect.stringMatching(/no notification daemon/));
  });

  it('stops listening when unsubscribed', () => {
    const engine = fakeEngine();
    const stop = startAlertNotifications(engine, { log: vi.fn() });
    expect(engine.listenerCount()).toBe(1);
    stop();
    expect(engine.listenerCount()).toBe(0);
  });

  it('has a title for every alert kind', () => {
    const kinds = ['breaker_tripped', 'stop_failed', 'order_rejected', 'data_stale', 'broker_lost', 'reconciliation', 'daily_loss', 'drawdown', 'unclean_shutdown'] as const;
    const titles = kinds.map((k) => notificationTitle(k));
    expect(new Set(titles).size).toBe(kinds.length);
    for (const t of titles) expect(t.length).toBeGreaterThan(3);
  });
});
