// SMA crossover: long when the fast average crosses strictly above the slow one, short when
// it crosses strictly below (the classic backtesting.py SmaCross, which the reference uses).
import type { Bar } from '../domain/types';
import { Sma } from '../indicators/sma';
import { fmt, param, requireLess, validateParams } from './params';
import type { ParamSpec, Signal, Strategy } from './types';

export const SMA_CROSS_ID = 'sma-cross';

export const SMA_CROSS_PARAMS: readonly ParamSpec[] = [
  param('fast', 'Fast SMA period', 1, 200, 10),
  param('slow', 'Slow SMA period', 2, 400, 20),
];

export class SmaCross implements Strategy {
  readonly id = SMA_CROSS_ID;
  readonly warmup: number;
  private readonly fast: Sma;
  private readonly slow: Sma;
  private prevFast: number | null = null;
  private prevSlow: number | null = null;

  constructor(params: { fast: number; slow: number }) {
    const p = validateParams(SMA_CROSS_ID, SMA_CROSS_PARAMS, params);
    requireLess(SMA_CROSS_ID, p, 'fast', 'slow');
    this.fast = new Sma(params.fast);
    this.slow = new Sma(params.slow);
    this.warmup = params.slow;
  }

  onBar(bar: Bar): Signal | null {
    const f = this.fast.update(bar.c);
    const s = this.slow.update(bar.c);
    const pf = this.prevFast;
    const ps = this.prevSlow;
    this.prevFast = f;
    this.prevSlow = s;
    if (f === null || s === null || pf === null || ps === null) return null;
    if (pf < ps && f > s) return this.signal('long', 'above', f, s);
    if (pf > ps && f < s) return this.signal('short', 'below', f, s);
    return null;
  }

  values(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.fast.value !== null) out.smaFast = this.fast.value;
    if (this.slow.value !== null) out.smaSlow = this.slow.value;
    return out;
  }

  private signal(direction: 'long' | 'short', verb: string, f: number, s: number): Signal {
    return {
      direction,
      reason: `SMA(${this.fast.period}) ${fmt(f)} crossed ${verb} SMA(${this.slow.period}) ${fmt(s)}`,
      indicators: { smaFast: f, smaSlow: s },
    };
  }
}
