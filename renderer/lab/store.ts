// Lab slice: the catalogue, datasets, saved results, the run of each kind in progress and how
// the last one ended, the result on screen and the results chosen for comparison. Events only
// set state (labEvents.ts); the Lab screen refetches when an epoch moves.
import { create } from 'zustand';
import type {
  LabCatalogue,
  LabDataset,
  LabResult,
  LabResultSummary,
  LabRunFinished,
  LabRunKind,
  LabRunStatus,
} from '../../engine/api/lab';

export interface LabSlice {
  catalogue: LabCatalogue | null;
  datasets: LabDataset[];
  results: LabResultSummary[];
  /** the run of each kind in progress */
  runs: Record<LabRunKind, LabRunStatus | null>;
  /** phases the current (or last) run of each kind went through, as its progress events told */
  phases: Record<LabRunKind, string[]>;
  /**
   * how far the current (or last) run of each kind got once it ran: a backtest's bars, a sweep's
   * points, a walk-forward's windows (null until its first count)
   */
  units: Record<LabRunKind, { done: number; total: number } | null>;
  /** how the last run of each kind ended */
  finished: Record<LabRunKind, LabRunFinished | null>;
  /** the result opened for each kind */
  open: Record<LabRunKind, LabResult | null>;
  /** saved results chosen for the comparison table, in the order chosen */
  compare: string[];
  /** bumped when saved results or datasets changed elsewhere: the screen refetches */
  resultsEpoch: number;
  datasetsEpoch: number;
}

const byKind = <T>(v: T): Record<LabRunKind, T> => ({ backtest: v, 'walk-forward': v, sweep: v });

export const initialLabState = (): LabSlice => ({
  catalogue: null,
  datasets: [],
  results: [],
  runs: byKind(null),
  phases: byKind([]),
  units: byKind(null),
  finished: byKind(null),
  open: byKind(null),
  compare: [],
  resultsEpoch: 0,
  datasetsEpoch: 0,
});

export const useLabStore = create<LabSlice>(() => initialLabState());

/** newest first, one entry per id */
export function upsertResult(list: readonly LabResultSummary[], r: LabResultSummary): LabResultSummary[] {
  return [r, ...list.filter((x) => x.id !== r.id)].sort((a, b) => b.createdAt - a.createdAt);
}

export function applyProgress(s: LabSlice, p: LabRunStatus): Partial<LabSlice> {
  const sameRun = s.runs[p.kind]?.runId === p.runId;
  const seen = sameRun ? s.phases[p.kind] : [];
  // until a first unit is done, done/total is the service's placeholder (0 of 1), not a count
  const counted = p.phase !== 'loading' && p.done > 0 ? { done: p.done, total: p.total } : null;
  return {
    runs: { ...s.runs, [p.kind]: p },
    phases: { ...s.phases, [p.kind]: seen.at(-1) === p.phase ? seen : [...seen, p.phase] },
    units: { ...s.units, [p.kind]: counted ?? (sameRun ? s.units[p.kind] : null) },
    // a new run replaces the outcome of the previous one
    finished: sameRun ? s.finished : { ...s.finished, [p.kind]: null },
  };
}

export function applyFinished(s: LabSlice, p: LabRunFinished): Partial<LabSlice> {
  const current = s.runs[p.kind];
  return {
    // a late event of an older run must not clear a newer one
    runs: current && current.runId !== p.runId ? s.runs : { ...s.runs, [p.kind]: null },
    finished: { ...s.finished, [p.kind]: p },
    results: p.result ? upsertResult(s.results, p.result) : s.results,
  };
}

export function toggleCompare(s: LabSlice, id: string): Partial<LabSlice> {
  return { compare: s.compare.includes(id) ? s.compare.filter((x) => x !== id) : [...s.compare, id] };
}
