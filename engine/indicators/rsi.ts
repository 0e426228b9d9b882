// Relative Strength Index with Wilder's smoothing: the first average gain/loss is the simple
// mean of the first `period` changes, then avg = (avg * (period - 1) + x) / period.
// Unlike technicalindicators, the value is NOT rounded to 2 decimals: strategies compare it
// with thresholds, and rounding would move decisions at the boundary.
import { checkFinite, checkPeriod } from './period';

export class Rsi {
  readonly period: number;
  private prevClose = Number.NaN;
  private changes = 0;
  private gainSum = 0;
  private lossSum = 0;
  private avgGain = 0;
  private avgLoss = 0;
  private current: number | null = null;

  constructor(period = 14) {
    this.period = checkPeriod('Rsi', 'period', period);
  }

  update(close: number): number | null {
    checkFinite('Rsi', 'close', close);
    const prev = this.prevClose;
    this.prevClose = close;
    if (Number.isNaN(prev)) return null;
    const change = close - prev;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    const p = this.period;
    this.changes++;
    if (this.changes < p) {
      this.gainSum += gain;
      this.lossSum += loss;
      return null;
    }
    if (this.changes === p) {
      this.avgGain = (this.gainSum + gain) / p;
      this.avgLoss = (this.lossSum + loss) / p;
    } else {
      this.avgGain = (this.avgGain * (p - 1) + gain) / p;
      this.avgLoss = (this.avgLoss * (p - 1) + loss) / p;
    }
    if (this.avgLoss === 0) this.current = 100;
    else if (this.avgGain === 0) this.current = 0;
    else this.current = 100 - 100 / (1 + this.avgGain / this.avgLoss);
    return this.current;
  }

  get value(): number | null {
    return this.current;
  }

  reset(): void {
    this.prevClose = Number.NaN;
    this.changes = this.gainSum = this.lossSum = this.avgGain = this.avgLoss = 0;
    this.current = null;
  }
}
