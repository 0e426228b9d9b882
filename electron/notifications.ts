// Desktop notifications for alerts: a warning or critical `alerts:raised` from the engine becomes
// an Electron Notification (title by kind, body = the message), so a tripped breaker or a stop
// that did not confirm reaches the user while the window is hidden. Bursts are throttled: at
// most one notification per alert kind per 10 s (the in-app list keeps every alert).
import { Notification } from 'electron';
import type { AlertKind, AlertLevel } from '../engine/domain/types';
import { assertNever } from '../engine/util/assert';
import { errorMessage, type HostedEngine, type HostLog } from './hosted-engine';

export const NOTIFY_MIN_INTERVAL_MS = 10_000;

export function notificationTitle(kind: AlertKind): string {
  switch (kind) {
    case 'breaker_tripped':
      return 'Risk breaker tripped';
    case 'stop_failed':
      return 'Emergency stop NOT confirmed';
    case 'order_rejected':
      return 'Order rejected';
    case 'data_stale':
      return 'Market data stale: new entries stopped';
    case 'broker_lost':
      return 'Broker connection lost: new entries stopped';
    case 'reconciliation':
      return 'Broker differs from the journal';
    case 'daily_loss':
      return 'Daily loss';
    case 'drawdown':
      return 'Drawdown';
    case 'unclean_shutdown':
      return 'Trading Supervisor stopped unexpectedly';
    case 'data_quarantined':
      return 'Bad market data quarantined: not traded on';
    case 'storage_failed':
      return 'Cannot save to disk: trading halted';
    default:
      return assertNever(kind, 'alert kind');
  }
}

export interface DesktopNotice {
  title: string;
  body: string;
  level: Exclude<AlertLevel, 'info'>;
}

export interface AlertNotifierOptions {
  log: HostLog;
  /** a click on a notification (default notices): bring the window to the front */
  onClick?: () => void;
  /** shows one notice; default: an Electron Notification when the platform supports them */
  show?: (notice: DesktopNotice) => void;
  now?: () => number;
}

function electronNotifier(onClick: (() => void) | undefined): (notice: DesktopNotice) => void {
  return (notice) => {
    if (!Notification.isSupported()) return;
    const n = new Notification({
      title: notice.title,
      body: notice.body,
      // Linux: critical notifications stay until dismissed
      urgency: notice.level === 'critical' ? 'critical' : 'normal',
    });
    if (onClick) n.on('click', onClick);
    n.show();
  };
}

/** Subscribe to the engine's alerts; returns the unsubscribe function. */
export function startAlertNotifications(engine: Pick<HostedEngine, 'subscribe'>, options: AlertNotifierOptions): () => void {
  const show = options.show ?? electronNotifier(options.onClick);
  const now = options.now ?? Date.now;
  const lastShown = new Map<AlertKind, number>();
  return engine.subscribe((event) => {
    if (event.name !== 'alerts:raised') return;
    const alert = event.payload;
    if (alert.level === 'info') return;
    const t = now();
    const last = lastShown.get(alert.kind);
    if (last !== undefined && t - last < NOTIFY_MIN_INTERVAL_MS) return;
    lastShown.set(alert.kind, t);
    try {
      show({ title: notificationTitle(alert.kind), body: alert.message, level: alert.level });
    } catch (e) {
      // a desktop without a notification daemon must not break the engine's event loop
      options.log('warn', `could not show a desktop notification: ${errorMessage(e)}`);
    }
  });
}
