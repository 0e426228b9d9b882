// Kill-switch slice: the persisted trading state (with its latch) and the last stop report.
import { create } from 'zustand';
import type { StopReport, TradingState, TradingStateRecord } from '../../engine/domain/types';
import { assertNever } from '../assertNever';

export interface KillSwitchSlice {
  tradingState: TradingStateRecord | null;
  lastStop: StopReport | null;
}

export const useKillSwitchStore = create<KillSwitchSlice>(() => ({ tradingState: null, lastStop: null }));

/**
 * Progress reports of one stop arrive in order; a report of an older stop (e.g. replayed after
 * a snapshot that already holds a newer one) must not replace the newer.
 */
export function applyStopReport(current: StopReport | null, next: StopReport): StopReport {
  if (!current || current.id === next.id) return next;
  return next.requestedAt >= current.requestedAt ? next : current;
}

/** The exact words of the trading-state indicator (tests and users read them). */
export function tradingStateLabel(state: TradingState): 'Active' | 'Reducing' | 'Halted' {
  switch (state) {
    case 'active':
      return 'Active';
    case 'reducing':
      return 'Reducing';
    case 'halted':
      return 'Halted';
    default:
      return assertNever(state);
  }
}
