// Toasts: errors from the API, alerts and short confirmations. Errors stay until dismissed: an
// error the user did not see is an error swallowed. An alert's toast is only a heads-up (the
// alert stays in the alerts list and the header counts it until seen), so a warning's toast
// leaves by itself after a while; a critical one stays.
import { create } from 'zustand';

export type ToastKind = 'error' | 'warning' | 'info';
/** command: the result of something the user did; alert: the engine raised an alert */
export type ToastSource = 'command' | 'alert';

export interface Toast {
  id: number;
  kind: ToastKind;
  source: ToastSource;
  title: string;
  message: string;
}

export interface ToastsSlice {
  toasts: Toast[];
}

export const TOASTS_MAX = 6;
export const INFO_TOAST_MS = 4000;
export const ALERT_WARNING_TOAST_MS = 10_000;

export const useToastsStore = create<ToastsSlice>(() => ({ toasts: [] }));

let nextToastId = 1;

/** How long a toast stays on its own, or null when only the user dismisses it. */
export function toastLifetimeMs(kind: ToastKind, source: ToastSource): number | null {
  if (kind === 'info') return INFO_TOAST_MS;
  if (kind === 'warning' && source === 'alert') return ALERT_WARNING_TOAST_MS;
  return null;
}

export function pushToast(kind: ToastKind, title: string, message: string, source: ToastSource = 'command'): number {
  const id = nextToastId++;
  useToastsStore.setState((s) => ({ toasts: [...s.toasts, { id, kind, source, title, message }].slice(-TOASTS_MAX) }));
  const lifetime = toastLifetimeMs(kind, source);
  if (lifetime !== null) setTimeout(() => dismissToast(id), lifetime);
  return id;
}

export function dismissToast(id: number): void {
  useToastsStore.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}
