// Ensemble: combines member strategies' current stances (the direction of each one's latest
// signal, flat before its first) into one position by a vote (see ensembleVote.ts), and
// signals when that position changes. For the weighted vote each member's weight is the
// return its own stance would have earned over the last `lookback` bars (losers weigh 0).
import type { Bar } from '../domain/types';
import { checkEnsembleMode, directionSign, vote, type EnsembleMode } from './ensembleVote';
import type { Direction, Signal, Strategy } from './types';

export type { EnsembleMode } from './ensembleVote';

export class Ensemble implements Strategy {
  readonly id = 'ensemble';
  readonly warmup: number;
  private readonly stances: Direction[];
  /** per member, ring of its recent per-bar stance returns (weighted mode) */
  private readonly recent: Float64Array[];
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
  }

  onBar(bar: Bar): Signal | null {
    if (this.mode.kind === 'weighted' && !Number.isNaN(this.prevClose)) {
      const move = bar.c / this.prevClose - 1;
      this.recent.forEach((r, i) => (r[this.cursor] = directionSign(this.stances[i]!) * move));
      this.cursor = (this.cursor + 1) % this.mode.lookback;
    }
    this.prevClose = bar.c;
    this.members.forEach((m, i) => {
      const s = m.onBar(bar);
      if (s) this.stances[i] = s.direction;
    });
    const weights = this.recent.map((r) => Math.max(0, r.reduce((a, b) => a + b, 0)));
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
