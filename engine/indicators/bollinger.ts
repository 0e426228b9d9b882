// Bollinger bands: SMA(period) of closes +- k population standard deviations of the window.
// The deviation is recomputed from the window each update (two-pass, O(period)): exact, and a
// running sum of squares would lose precision when the bands are narrow relative to price.
import { checkFinite, checkPeriod } from './period';
import { Sma } from './sma';

export interface BollingerValue {
  middle: number;
  upper: number;
  lower: number;
  /** population standard deviation of the window */
  sd: number;
}

export class Bollinger {
  readonly period: number;
  readonly k: number;
  private readonly sma: Sma;
  private current: BollingerValue | null = null;

  constructor(period = 20, k = 2) {
    this.period = checkPeriod('Bollinger', 'period', period, 2);
    this.k = checkFinite('Bollinger', 'k', k);
    if (k <= 0) throw new RangeError(`Bollinger: k must be greater than 0, got ${k}`);
    this.sma = new Sma(period);
  }

  update(close: number): BollingerValue | null {
    const mean = this.sma.update(close);
    if (mean === null) return null;
    let ss = 0;
    for (let i = 0; i < this.period; i++) {
      const d = this.sma.at(i) - mean;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / this.period);
    this.current = { middle: mean, upper: mean + sd * this.k, lower: mean - sd * this.k, sd };
    return this.current;
  }

  get value(): BollingerValue | null {
    return this.current;
  }

  reset(): void {
    this.sma.reset();
    this.current = null;
  }
}
