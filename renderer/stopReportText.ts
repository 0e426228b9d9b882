// How a stop report reads: the words for each step and status, each step's timing and attempts,
// and the loud line when the broker never confirmed. Pure, so it is unit-tested.
import type { StopReport, StopStep, StopStepName, StopStepStatus } from '../engine/domain/types';
import { assertNever } from './assertNever';
import { clockTime, durationMs } from './format';

export function stepLabel(name: StopStepName): string {
  switch (name) {
    case 'halt':
      return 'Halt (persisted)';
    case 'cancel_orders':
      return 'Cancel open orders';
    case 'flatten':
      return 'Flatten positions';
    case 'confirm':
      return 'Broker confirms';
    default:
      return assertNever(name);
  }
}

export function reportStatusLabel(status: StopReport['status']): string {
  switch (status) {
    case 'running':
      return 'running';
    case 'confirmed':
      return 'confirmed';
    case 'failed':
      return 'FAILED';
    case 'noop':
      return 'already stopped';
    default:
      return assertNever(status);
  }
}

export function stepStatusLabel(status: StopStepStatus): string {
  switch (status) {
    case 'pending':
      return 'waiting';
    case 'running':
      return 'running';
    case 'done':
      return 'done';
    case 'failed':
      return 'FAILED';
    case 'skipped':
      return 'skipped';
    default:
      return assertNever(status);
  }
}

export function sourceLabel(source: StopReport['source']): string {
  switch (source) {
    case 'ui':
      return 'the button';
    case 'shortcut':
      return 'the keyboard shortcut';
    case 'tray':
      return 'the tray menu';
    case 'cli':
      return 'the command line';
    case 'breaker':
      return 'a risk breaker';
    case 'drill':
      return 'the drill';
    default:
      return assertNever(source);
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * A step's timing: when it started, how long it took and how many attempts it needed, e.g.
 * "14:30:01 · 12 ms · 1 attempt". A step that never ran says so instead of showing nothing.
 */
export function stepTimingText(step: StopStep): string {
  if (step.startedAt === null) return step.status === 'skipped' ? 'not run' : 'not started';
  const parts = [clockTime(step.startedAt)];
  const ms = durationMs(step.startedAt, step.endedAt);
  parts.push(ms !== null ? `${ms} ms` : 'in progress');
  if (step.attempts > 0) parts.push(plural(step.attempts, 'attempt'));
  return parts.join(' · ');
}

/** Total time from the request to the end of the sequence, or null while it runs. */
export function reportDurationMs(report: StopReport): number | null {
  return durationMs(report.requestedAt, report.finishedAt);
}

/**
 * For a stop the broker did not confirm: the line the user must not miss, with what may remain.
 * Null for every other status.
 */
export function notConfirmedText(report: StopReport): string | null {
  if (report.status !== 'failed') return null;
  const left: string[] = [];
  if (report.openOrdersRemaining !== null && report.openOrdersRemaining > 0) left.push(plural(report.openOrdersRemaining, 'open order'));
  if (report.flatten && report.positionsRemaining !== null && report.positionsRemaining > 0) left.push(plural(report.positionsRemaining, 'position'));
  const failed = report.steps.filter((s) => s.status === 'failed').map((s) => stepLabel(s.name).toLowerCase());
  const what = failed.length > 0 ? ` (${failed.join(', ')} failed)` : '';
  const remaining = left.length > 0 ? `: ${left.join(' and ')} may remain at the broker` : '';
  return `NOT CONFIRMED${what}${remaining}. Check the broker, then stop again or close them there.`;
}
