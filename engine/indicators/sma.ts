// Simple moving average over a ring buffer, O(1) per update.
//
// Why this algorithm: a plain running sum drifts (every add/remove rounds), and the reference
// backtests (backtesting.py) use pandas' rolling mean. This class performs pandas' exact
// steps (roll_mean: Kahan-compensated add and remove with separate compensations; a window of
// identical values yields that value exactly; an all-positive window never yields a negative
// mean), so its values are bit-identical with the reference's and crossover decisions at
// near-ties match too.
import { checkFinite, checkPeriod } from './period';

const signbit = (x: number): boolean => x < 0 || Object.is(x, -0);

export class Sma {
  readonly period: number;
  private readonly window: Float64Array;
  private head = 0;
  private count = 0;
  private sum = 0;
  private compAdd = 0;
  private compRemove = 0;
  private negatives = 0;
  private sameRun = 0;
  private prev = Number.NaN;
  private current: number | null = null;

  constructor(period: number) {
    this.period = checkPeriod('Sma', 'period', period);
    this.window = new Float64Array(period);
  }

  /** feed one value; returns the mean of the last `period` values, or null during warm-up */
  update(x: number): number | null {
    checkFinite('Sma', 'value', x);
    if (this.count === this.period) {
      const old = this.window[this.head]!;
      const y = -old - this.compRemove;
      const t = this.sum + y;
      this.compRemove = t - this.sum - y;
      this.sum = t;
      if (signbit(old)) this.negatives--;
    } else {
      this.count++;
    }
    const y = x - this.compAdd;
    const t = this.sum + y;
    this.compAdd = t - this.sum - y;
    this.sum = t;
    if (signbit(x)) this.negatives++;
    this.sameRun = x === this.prev ? this.sameRun + 1 : 1;
    this.prev = x;
    this.window[this.head] = x;
    this.head = this.head + 1 === this.period ? 0 : this.head + 1;
    if (this.count < this.period) return null;
    let mean = this.sum / this.period;
    if (this.sameRun >= this.period) mean = x;
    else if (this.negatives === 0 && mean < 0) mean = 0;
    else if (this.negatives === this.period && mean > 0) mean = 0;
    this.current = mean;
    return mean;
  }

  get value(): number | null {
    return this.current;
  }

  /** values currently in the window, `i = 0` the oldest; for indicators built on this one */
  at(i: number): number {
    const start = this.count === this.period ? this.head : 0;
    const j = start + i;
    return this.window[j >= this.period ? j - this.period : j]!;
  }

  /** how many values are in the window (reaches `period` after warm-up) */
  get size(): number {
    return this.count;
  }

  reset(): void {
    this.head = this.count = this.sameRun = this.negatives = 0;
    this.sum = this.compAdd = this.compRemove = 0;
    this.prev = Number.NaN;
    this.current = null;
  }
}
