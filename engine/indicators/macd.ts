// MACD: EMA(fast) - EMA(slow) of closes, its EMA(signal) and the histogram between them.
// The MACD line exists from bar `slow`; the whole value (with signal) from bar slow + signal - 1.
import { Ema } from './ema';
import { checkPeriod } from './period';

export interface MacdValue {
  macd: number;
  signal: number;
  histogram: number;
}

export class Macd {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly signal: Ema;
  private current: MacdValue | null = null;

  constructor(fast = 12, slow = 26, signal = 9) {
    this.fastPeriod = checkPeriod('Macd', 'fast', fast);
    this.slowPeriod = checkPeriod('Macd', 'slow', slow);
    this.signalPeriod = checkPeriod('Macd', 'signal', signal);
    if (fast >= slow) throw new RangeError(`Macd: fast (${fast}) must be shorter than slow (${slow})`);
    this.fast = new Ema(fast);
    this.slow = new Ema(slow);
    this.signal = new Ema(signal);
  }

  update(close: number): MacdValue | null {
    const f = this.fast.update(close);
    const s = this.slow.update(close);
    if (f === null || s === null) return null;
    const line = f - s;
    const sig = this.signal.update(line);
    if (sig === null) return null;
    this.current = { macd: line, signal: sig, histogram: line - sig };
    return this.current;
  }

  get value(): MacdValue | null {
    return this.current;
  }

  reset(): void {
    this.fast.reset();
    this.slow.reset();
    this.signal.reset();
    this.current = null;
  }
}
