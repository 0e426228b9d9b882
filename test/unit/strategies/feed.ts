// Helpers for strategy tests: crafted close series as bars, and the signals they produce.
import type { Bar } from '../../../engine/domain/types';
import type { Signal, Strategy } from '../../../engine/strategies/types';

export const barsOf = (closes: readonly number[]): Bar[] => closes.map((c, i) => ({ t: i * 86_400_000, o: c, h: c, l: c, c, v: 1 }));

/** feeds closes and returns [index, signal] for every bar that produced a signal */
export function signals(s: Strategy, closes: readonly number[]): [number, Signal][] {
  return feedBars(s, barsOf(closes));
}

export function feedBars(s: Strategy, bars: readonly Bar[]): [number, Signal][] {
  const out: [number, Signal][] = [];
  bars.forEach((b, i) => {
    const sig = s.onBar(b);
    if (sig) out.push([i, sig]);
  });
  return out;
}

/** [index, direction] pairs: the shape most assertions need */
export const directions = (xs: [number, Signal][]): [number, string][] => xs.map(([i, s]) => [i, s.direction]);
