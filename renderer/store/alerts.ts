// Alerts slice: what the engine said the user must know (breakers, a stop that did not confirm,
// stale data, a crash while away...), newest first and bounded, plus how far the user has looked.
// Alerts enter here and nowhere else: the snapshot's list on (re)connect, then `alerts:raised`;
// a warning or critical alert raised live also becomes a toast, from this one place.
import { create } from 'zustand';
import type { Alert, AlertKind, AlertLevel } from '../../engine/domain/types';
import { assertNever } from '../assertNever';
import { pushToast } from './toasts';

export const ALERTS_KEEP = 200;

export interface AlertsSlice {
  /** newest first (by id: alert ids are the engine's audit ids, increasing) */
  alerts: Alert[];
  /**
   * The highest alert id the user has opened the list on. In memory only: after a restart of
   * the window every alert the engine reports counts as unseen again, because an alert hidden
   * by a stale marker is worse than one shown twice.
   */
  seenUpToId: number;
}

export const useAlertsStore = create<AlertsSlice>(() => ({ alerts: [], seenUpToId: 0 }));

/** One copy per id, newest first, at most `keep`. */
export function mergeAlerts(current: readonly Alert[], incoming: readonly Alert[], keep = ALERTS_KEEP): Alert[] {
  const byId = new Map<number, Alert>();
  for (const a of current) byId.set(a.id, a);
  for (const a of incoming) byId.set(a.id, a);
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, keep);
}

/** Whether an alert asks for attention (counted on the indicator, toasted, notified). */
export function demandsAttention(level: AlertLevel): boolean {
  switch (level) {
    case 'info':
      return false;
    case 'warning':
    case 'critical':
      return true;
    default:
      return assertNever(level);
  }
}

/** Warning and critical alerts newer than what the user has looked at, and whether one is critical. */
export function unseenAlerts(alerts: readonly Alert[], seenUpToId: number): { count: number; critical: boolean } {
  let count = 0;
  let critical = false;
  for (const a of alerts) {
    if (a.id <= seenUpToId || !demandsAttention(a.level)) continue;
    count++;
    if (a.level === 'critical') critical = true;
  }
  return { count, critical };
}

/** A title for an alert kind (toasts, the list and the header read it). */
export function alertKindLabel(kind: AlertKind): string {
  switch (kind) {
    case 'breaker_tripped':
      return 'Breaker tripped';
    case 'stop_failed':
      return 'Emergency stop not confirmed';
    case 'order_rejected':
      return 'Order rejected';
    case 'data_stale':
      return 'Market data stale';
    case 'broker_lost':
      return 'Broker connection lost';
    case 'reconciliation':
      return 'Reconciliation difference';
    case 'daily_loss':
      return 'Daily loss';
    case 'drawdown':
      return 'Drawdown';
    case 'unclean_shutdown':
      return 'Unexpected shutdown';
    case 'data_quarantined':
      return 'Bad market data quarantined';
    case 'storage_failed':
      return 'Data directory not writable';
    default:
      return assertNever(kind);
  }
}

/** The snapshot's list replaces ours (it is the engine's view); what the user has seen is kept. */
export function applyAlertsSnapshot(alerts: readonly Alert[]): void {
  useAlertsStore.setState({ alerts: mergeAlerts([], alerts) });
}

/** A live alert: listed, and toasted once when it asks for attention. */
export function raiseAlert(alert: Alert): void {
  const known = useAlertsStore.getState().alerts.some((a) => a.id === alert.id);
  useAlertsStore.setState((s) => ({ alerts: mergeAlerts(s.alerts, [alert]) }));
  if (known || !demandsAttention(alert.level)) return;
  pushToast(alert.level === 'critical' ? 'error' : 'warning', alertKindLabel(alert.kind), alert.message, 'alert');
}

/** The user opened the list: everything in it counts as seen. */
export function markAlertsSeen(): void {
  useAlertsStore.setState((s) => ({ seenUpToId: Math.max(s.seenUpToId, s.alerts[0]?.id ?? 0) }));
}
