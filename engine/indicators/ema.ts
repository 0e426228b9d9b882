// Exponential moving average, seeded with the simple mean of the first `period` values
// (the convention of technicalindicators and most charting tools), then
// ema += (x - ema) * 2 / (period + 1). Written in the oracle's operation order so that the
// two agree to the last few bits.
import { checkFinite, checkPeriod } from './period';

export class Ema {
  readonly period: number;
  private readonly k: number;
  private seedSum = 0;
  private count = 0;
  private current: number | null = null;

  /** `alpha` overrides the smoothing factor (Wilder's smoothing is alpha = 1 / period) */
  constructor(period: number, alpha?: number) {
    this.period = checkPeriod('Ema', 'period', period);
    this.k = alpha ?? 2 / (period + 1);
  }

  update(x: number): number | null {
    checkFinite('Ema', 'value', x);
    if (this.current !== null) {
      this.current = (x - this.current) * this.k + this.current;
      return this.current;
    }
    this.seedSum += x;
    this.count++;
    if (this.count === this.period) this.current = this.seedSum / this.period;
    return this.current;
  }

  get value(): number | null {
    return this.current;
  }

  reset(): void {
    this.seedSum = 0;
    this.count = 0;
    this.current = null;
  }
}
