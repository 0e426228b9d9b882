// How a run's progress reads: what it counts (a backtest its bars, a sweep its points, a
// walk-forward its windows) and how far it is. Pure, so the wording is unit-tested.
import type { LabRunKind } from '../../engine/api/lab';

export const UNIT: Record<LabRunKind, string> = { backtest: 'bars', sweep: 'points', 'walk-forward': 'windows' };

export const count = (x: number): string => x.toLocaleString('en-US');

/** "12,000 / 200,000 bars (6%)"; the percent is floored so 100% means all of it */
export function progressText(kind: LabRunKind, done: number, total: number): string {
  const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
  return `${count(done)} / ${count(total)} ${UNIT[kind]} (${pct}%)`;
}
