// Reconciliation slice: every difference between the journal and the broker, as the engine last
// reported it (snapshot, then `reconcile:updated`). Unresolved items lock autonomous mode.
import { create } from 'zustand';
import type { ReconciliationItem } from '../../engine/domain/types';

export interface ReconciliationSlice {
  items: ReconciliationItem[];
}

export const useReconciliationStore = create<ReconciliationSlice>(() => ({ items: [] }));

export function unresolvedItems(items: readonly ReconciliationItem[]): ReconciliationItem[] {
  return items.filter((i) => i.resolution === null);
}

/** The engine replaces the whole list on each report; so does the slice. */
export function applyReconciliation(items: ReconciliationItem[]): void {
  useReconciliationStore.setState({ items });
}
