// Ensemble: combines member strategies' current stances (the direction of each one's latest
// signal, flat before its first) into one position by a vote (see ensembleVote.ts), and
// signals when that position changes. For the weighted vote each member's weight is the
// return its own stance would have earned over the last `lookback` bars (losers weigh 0).
import type { Bar } from '../domain/types';
import { checkEnsembleMode, directionSign, vote, type EnsembleMode } from './ensembleVote';
import type { Direction, Signal, Strategy } from './types';

export type { EnsembleMode } from './ensembleVote';

/** what a running sum of per-bar returns can be off by after a window's worth of additions and removals */
const ROUNDING = 1e-12;

export class Ensemble implements Strategy {
  readonly id = 'ensemble';
  readonly warmup: number;
  private readonly stances: Direction[];
  /** per member, ring of its recent per-bar stance returns (weighted mode) */
  private readonly recent: Float64Array[];
  /**
   * per member, the sum of its ring: kept by adding the new return and taking off the one it
   * replaces (O(1) a bar, not O(lookback)), and summed afresh each time the ring wraps so that
   * rounding cannot drift
   */
  private readonly sums: Float64Array;
  private cursor = 0;
  private prevClose = Number.NaN;
  private stance: Direction = 'flat';

  constructor(
    private readonly members: readonly Strategy[],
    private readonly mode: EnsembleMode,
  ) {
    checkEnsembleMode(mode, members.length);
    this.warmup = Math.max(...members.map((m) => m.warmup));
    this.stances = members.map(() => 'flat');
    this.recent = members.map(() => new Float64Array(mode.kind === 'weighted' ? mode.lookback : 0));
    this.sums = new Float64Array(members.length);
  }

  onBar(bar: Bar): Signal | null {
    if (this.mode.kind === 'weighted' && !Number.isNaN(this.prevClose)) {
      const move = bar.c / this.prevClose - 1;
      const at = this.cursor;
      this.cursor = (at + 1) % this.mode.lookback;
      this.recent.forEach((r, i) => {
        const next = directionSign(this.stances[i]!) * move;
        const sum = this.sums[i]! + next - r[at]!;
        r[at] = next;
        this.sums[i] = this.cursor === 0 ? r.reduce((a, b) => a + b, 0) : sum;
      });
    }
    this.prevClose = bar.c;
    this.members.forEach((m, i) => {
      const s = m.onBar(bar);
      if (s) this.stances[i] = s.direction;
    });
    // a sum within rounding of zero is zero (a window of flat prices must weigh nothing, as the exact sum does)
    const weights = Array.from(this.sums, (s) => (s > ROUNDING ? s : 0));
    const want = vote(this.mode, this.stances, weights);
    if (want === this.stance) return null;
    this.stance = want;
    const votes = this.members.map((m, i) => `${m.id}: ${this.stances[i]}`).join(', ');
    return { direction: want, reason: `ensemble (${this.mode.kind}) -> ${want} [${votes}]`, indicators: this.values() };
  }

  values(): Record<string, number> {
    const out: Record<string, number> = {};
    this.members.forEach((m, i) => (out[`${m.id}#${i}`] = directionSign(this.stances[i]!)));
    return out;
  }
}
