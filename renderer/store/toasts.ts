// Toasts: errors from the API and short confirmations. Errors stay until dismissed: an error
// the user did not see is an error swallowed.
import { create } from 'zustand';

export type ToastKind = 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  message: string;
}

export interface ToastsSlice {
  toasts: Toast[];
}

export const TOASTS_MAX = 6;
export const INFO_TOAST_MS = 4000;

export const useToastsStore = create<ToastsSlice>(() => ({ toasts: [] }));

let nextToastId = 1;

export function pushToast(kind: ToastKind, title: string, message: string): number {
  const id = nextToastId++;
  useToastsStore.setState((s) => ({ toasts: [...s.toasts, { id, kind, title, message }].slice(-TOASTS_MAX) }));
  if (kind === 'info') setTimeout(() => dismissToast(id), INFO_TOAST_MS);
  return id;
}

export function dismissToast(id: number): void {
  useToastsStore.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}
