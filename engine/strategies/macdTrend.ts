// MACD trend: long when the MACD line crosses strictly above its signal line, short when it
// crosses strictly below (the histogram changes sign).
import type { Bar } from '../domain/types';
import { Macd } from '../indicators/macd';
import { fmt, param, requireLess, validateParams } from './params';
import type { ParamSpec, Signal, Strategy } from './types';

export const MACD_TREND_ID = 'macd-trend';

export const MACD_TREND_PARAMS: readonly ParamSpec[] = [
  param('fast', 'Fast EMA period', 2, 100, 12),
  param('slow', 'Slow EMA period', 3, 200, 26),
  param('signal', 'Signal EMA period', 2, 50, 9),
];

export class MacdTrend implements Strategy {
  readonly id = MACD_TREND_ID;
  readonly warmup: number;
  private readonly macd: Macd;
  private prevHist: number | null = null;

  constructor(params: { fast: number; slow: number; signal: number }) {
    const p = validateParams(MACD_TREND_ID, MACD_TREND_PARAMS, params);
    requireLess(MACD_TREND_ID, p, 'fast', 'slow');
    this.macd = new Macd(params.fast, params.slow, params.signal);
    this.warmup = params.slow + params.signal - 1;
  }

  onBar(bar: Bar): Signal | null {
    const m = this.macd.update(bar.c);
    if (m === null) return null;
    const prev = this.prevHist;
    this.prevHist = m.histogram;
    if (prev === null) return null;
    const verb = prev < 0 && m.histogram > 0 ? 'above' : prev > 0 && m.histogram < 0 ? 'below' : null;
    if (verb === null) return null;
    return {
      direction: verb === 'above' ? 'long' : 'short',
      reason: `MACD ${fmt(m.macd)} crossed ${verb} its signal ${fmt(m.signal)}`,
      indicators: { macd: m.macd, signal: m.signal, histogram: m.histogram },
    };
  }

  values(): Record<string, number> {
    const m = this.macd.value;
    return m === null ? {} : { macd: m.macd, signal: m.signal, histogram: m.histogram };
  }
}
