// Readiness slice: the checklist that gates autonomous mode.
import { create } from 'zustand';
import type { ReadinessItem, ReadinessStatus } from '../../engine/domain/types';

export interface ReadinessSlice {
  items: ReadinessItem[];
}

export const useReadinessStore = create<ReadinessSlice>(() => ({ items: [] }));

/** The worst status of the list: one failing item makes the whole checklist fail. */
export function overallReadiness(items: readonly ReadinessItem[]): ReadinessStatus | null {
  if (items.length === 0) return null;
  if (items.some((i) => i.status === 'fail')) return 'fail';
  if (items.some((i) => i.status === 'warn')) return 'warn';
  return 'pass';
}
