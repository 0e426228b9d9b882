// The ensemble's voting rules as pure functions over member stances (and, for the weighted
// vote, member weights). No trade on conflict: a split or contradicted vote yields 'flat'.
import { assertNever } from '../util/assert';
import type { Direction } from './types';

export type EnsembleMode =
  | { kind: 'consensus'; k: number }
  | { kind: 'weighted'; lookback: number; threshold: number }
  | { kind: 'confidence'; threshold: number };

export const directionSign = (d: Direction): number => (d === 'long' ? 1 : d === 'short' ? -1 : 0);

/** throws a message naming the allowed range when the mode does not fit `members` strategies */
export function checkEnsembleMode(mode: EnsembleMode, members: number): void {
  if (members < 2) throw new RangeError(`ensemble needs at least 2 member strategies, got ${members}`);
  if (mode.kind === 'consensus' && !(Number.isInteger(mode.k) && mode.k >= 1 && mode.k <= members)) {
    throw new RangeError(`ensemble consensus k must be a whole number between 1 and ${members} (the number of members), got ${mode.k}`);
  }
  if (mode.kind !== 'consensus' && !(mode.threshold > 0 && mode.threshold <= 1)) {
    throw new RangeError(`ensemble ${mode.kind} threshold must be in (0, 1], got ${mode.threshold}`);
  }
  if (mode.kind === 'weighted' && !(Number.isInteger(mode.lookback) && mode.lookback >= 1 && mode.lookback <= 10_000)) {
    throw new RangeError(`ensemble weighted lookback must be a whole number of bars between 1 and 10000, got ${mode.lookback}`);
  }
}

/**
 * consensus: >= k agree and none disagrees; confidence: (longs - shorts) / n >= threshold;
 * weighted: sum(sign x weight) / sum(weight) >= threshold (no weight at all: flat).
 */
export function vote(mode: EnsembleMode, stances: readonly Direction[], weights: readonly number[]): Direction {
  const longs = stances.filter((d) => d === 'long').length;
  const shorts = stances.filter((d) => d === 'short').length;
  const pick = (score: number, threshold: number): Direction => (score >= threshold ? 'long' : -score >= threshold ? 'short' : 'flat');
  switch (mode.kind) {
    case 'consensus':
      if (longs > 0 && shorts > 0) return 'flat';
      return longs >= mode.k ? 'long' : shorts >= mode.k ? 'short' : 'flat';
    case 'confidence':
      return pick((longs - shorts) / stances.length, mode.threshold);
    case 'weighted': {
      const total = weights.reduce((a, b) => a + b, 0);
      if (!(total > 0)) return 'flat';
      return pick(stances.reduce((a, d, i) => a + directionSign(d) * (weights[i] ?? 0), 0) / total, mode.threshold);
    }
    default:
      return assertNever(mode, 'ensemble mode');
  }
}
