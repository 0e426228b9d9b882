// Market regime detector: classifies each bar as
// - 'high-volatility' when ATR(atrPeriod) is more than volRatio x its own average over
//   volLookback bars (volatility far above normal trumps any trend reading);
// - 'trend-up' / 'trend-down' when SMA(trendPeriod) moved more than slopePct over slopeBars and
//   the close is on the same side of it;
// - 'range' otherwise. 'unknown' until its indicators exist.
import type { Bar } from '../domain/types';
import { Atr } from '../indicators/atr';
import { Sma } from '../indicators/sma';
import { param, validateParams } from './params';
import type { ParamSpec } from './types';

export type Regime = 'trend-up' | 'trend-down' | 'range' | 'high-volatility';
export const REGIMES: readonly Regime[] = ['trend-up', 'trend-down', 'range', 'high-volatility'];

export const REGIME_PARAMS: readonly ParamSpec[] = [
  param('trendPeriod', 'Trend SMA period', 5, 400, 50),
  param('slopeBars', 'Slope measured over (bars)', 1, 100, 10),
  param('slopePct', 'Minimum slope (fraction)', 0.001, 0.5, 0.02, false, 0.001),
  param('atrPeriod', 'ATR period', 2, 100, 14),
  param('volLookback', 'Normal volatility over (bars)', 10, 1000, 100),
  param('volRatio', 'High volatility at ATR / normal >', 1.1, 5, 1.8, false, 0.1),
];

export interface RegimeParams {
  trendPeriod: number;
  slopeBars: number;
  slopePct: number;
  atrPeriod: number;
  volLookback: number;
  volRatio: number;
}

/** what a regime gate needs: a classifier fed bar by bar */
export interface RegimeSource {
  readonly warmup: number;
  update(bar: Bar): Regime | 'unknown';
  readonly value: Regime | 'unknown';
}

export class RegimeDetector implements RegimeSource {
  readonly warmup: number;
  private readonly p: RegimeParams;
  private readonly trend: Sma;
  private readonly atr: Atr;
  private readonly normalAtr: Sma;
  private readonly pastTrend: Float64Array;
  private seen = 0;
  private current: Regime | 'unknown' = 'unknown';

  constructor(params: Partial<RegimeParams> = {}) {
    const v = validateParams('regime', REGIME_PARAMS, params);
    this.p = {
      trendPeriod: v.trendPeriod!,
      slopeBars: v.slopeBars!,
      slopePct: v.slopePct!,
      atrPeriod: v.atrPeriod!,
      volLookback: v.volLookback!,
      volRatio: v.volRatio!,
    };
    this.trend = new Sma(this.p.trendPeriod);
    this.atr = new Atr(this.p.atrPeriod);
    this.normalAtr = new Sma(this.p.volLookback);
    this.pastTrend = new Float64Array(this.p.slopeBars);
    this.warmup = Math.max(this.p.trendPeriod + this.p.slopeBars, this.p.atrPeriod + this.p.volLookback);
  }

  update(bar: Bar): Regime | 'unknown' {
    const sma = this.trend.update(bar.c);
    const atr = this.atr.update(bar);
    const normal = atr === null ? null : this.normalAtr.update(atr);
    if (sma === null) return this.current;
    // the ring holds the last slopeBars SMA values: the slot about to be overwritten is the
    // value from exactly slopeBars bars ago
    const ring = this.pastTrend;
    const then = ring[this.seen % ring.length]!;
    ring[this.seen % ring.length] = sma;
    this.seen++;
    if (normal === null || atr === null || this.seen <= ring.length) return this.current;
    const slope = sma / then - 1;
    if (atr > this.p.volRatio * normal) this.current = 'high-volatility';
    else if (slope > this.p.slopePct && bar.c > sma) this.current = 'trend-up';
    else if (slope < -this.p.slopePct && bar.c < sma) this.current = 'trend-down';
    else this.current = 'range';
    return this.current;
  }

  get value(): Regime | 'unknown' {
    return this.current;
  }
}
