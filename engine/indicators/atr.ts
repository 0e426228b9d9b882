// Average True Range with Wilder's smoothing. The true range needs the previous close, so the
// first bar only records its close; the first ATR is the mean of the first `period` true
// ranges (bars 1..period), then atr += (tr - atr) / period.
import type { Bar } from '../domain/types';
import { Ema } from './ema';
import { checkFinite, checkPeriod } from './period';

export class Atr {
  readonly period: number;
  private readonly wilder: Ema;
  private prevClose = Number.NaN;

  constructor(period = 14) {
    this.period = checkPeriod('Atr', 'period', period);
    this.wilder = new Ema(period, 1 / period);
  }

  update(bar: Pick<Bar, 'h' | 'l' | 'c'>): number | null {
    return this.updateHlc(bar.h, bar.l, bar.c);
  }

  /** same as update, for columnar data in the backtester's hot loop */
  updateHlc(h: number, l: number, c: number): number | null {
    checkFinite('Atr', 'high', h);
    checkFinite('Atr', 'low', l);
    const prev = this.prevClose;
    this.prevClose = checkFinite('Atr', 'close', c);
    if (Number.isNaN(prev)) return null;
    const tr = Math.max(h - l, Math.abs(h - prev), Math.abs(l - prev));
    return this.wilder.update(tr);
  }

  get value(): number | null {
    return this.wilder.value;
  }

  reset(): void {
    this.wilder.reset();
    this.prevClose = Number.NaN;
  }
}
