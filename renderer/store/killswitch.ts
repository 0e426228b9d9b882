// Kill-switch slice: the persisted trading state (with its latch), the last stop report and the
// last "Test emergency stop" drill; plus the words that say who set the state, when and why.
import { create } from 'zustand';
import type { StateSetter, StopReport, TradingState, TradingStateRecord } from '../../engine/domain/types';
import { assertNever } from '../assertNever';
import { dateTime } from '../format';

export interface KillSwitchSlice {
  tradingState: TradingStateRecord | null;
  lastStop: StopReport | null;
  lastDrill: StopReport | null;
}

export const useKillSwitchStore = create<KillSwitchSlice>(() => ({ tradingState: null, lastStop: null, lastDrill: null }));

/**
 * Progress reports of one stop arrive in order; a report of an older stop (e.g. replayed after
 * a snapshot that already holds a newer one) must not replace the newer.
 */
export function applyStopReport(current: StopReport | null, next: StopReport): StopReport {
  if (!current || current.id === next.id) return next;
  return next.requestedAt >= current.requestedAt ? next : current;
}

/** A stop report (from killswitch:progress or a command's result): a drill is also the last stop. */
export function applyStopProgress(
  s: Pick<KillSwitchSlice, 'lastStop' | 'lastDrill'>,
  report: StopReport,
): Pick<KillSwitchSlice, 'lastStop' | 'lastDrill'> {
  return {
    lastStop: applyStopReport(s.lastStop, report),
    lastDrill: report.source === 'drill' ? applyStopReport(s.lastDrill, report) : s.lastDrill,
  };
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

export function setterLabel(by: StateSetter): string {
  switch (by) {
    case 'user':
      return 'you';
    case 'killswitch':
      return 'the emergency stop';
    case 'breaker':
      return 'a risk breaker';
    case 'cli':
      return 'the command line';
    case 'system':
      return 'the supervisor';
    default:
      return assertNever(by);
  }
}

/**
 * What put trading where it is, in a few words. Breakers share one setter ('breaker'), so the
 * engine's reason text tells the dead-man switch and the loss breakers apart.
 */
export function stateCause(rec: TradingStateRecord): string {
  const reason = rec.reason.toLowerCase();
  if (rec.setBy === 'breaker') {
    if (reason.startsWith('dead-man')) return 'Dead-man switch';
    if (reason.includes('daily loss')) return 'Daily-loss breaker';
    if (reason.includes('drawdown')) return 'Drawdown breaker';
    return 'Risk breaker';
  }
  switch (rec.setBy) {
    case 'killswitch':
      return 'Emergency stop';
    case 'cli':
      return 'Emergency stop from the command line';
    case 'user':
      return 'Set by you';
    case 'system':
      return 'Set by the supervisor';
    default:
      return assertNever(rec.setBy);
  }
}

/** The indicator's tooltip: who, when and why, in one line. */
export function tradingStateTitle(rec: TradingStateRecord): string {
  const latched = rec.latched ? ' (latched until re-armed)' : '';
  const why = rec.reason ? `: ${rec.reason}` : '';
  return `Trading ${tradingStateLabel(rec.state)}${latched} — set by ${setterLabel(rec.setBy)} at ${dateTime(rec.at)}${why}`;
}
