// EMA breakout: long when the close breaks out above an envelope `band` above EMA(period),
// short when it breaks down below the envelope under it. Inside the envelope nothing changes,
// so noise around the average does not flip the position.
import type { Bar } from '../domain/types';
import { Ema } from '../indicators/ema';
import { fmt, param, validateParams } from './params';
import type { Direction, ParamSpec, Signal, Strategy } from './types';

export const EMA_BREAKOUT_ID = 'ema-breakout';

export const EMA_BREAKOUT_PARAMS: readonly ParamSpec[] = [
  param('period', 'EMA period', 2, 400, 20),
  param('band', 'Envelope (fraction of EMA)', 0, 0.2, 0.01, false, 0.001),
];

export class EmaBreakout implements Strategy {
  readonly id = EMA_BREAKOUT_ID;
  readonly warmup: number;
  private readonly ema: Ema;
  private readonly band: number;
  private stance: Direction = 'flat';

  constructor(params: { period: number; band: number }) {
    validateParams(EMA_BREAKOUT_ID, EMA_BREAKOUT_PARAMS, params);
    this.ema = new Ema(params.period);
    this.band = params.band;
    this.warmup = params.period;
  }

  onBar(bar: Bar): Signal | null {
    const e = this.ema.update(bar.c);
    if (e === null) return null;
    const upper = e * (1 + this.band);
    const lower = e * (1 - this.band);
    const want: Direction = bar.c > upper ? 'long' : bar.c < lower ? 'short' : this.stance;
    if (want === this.stance) return null;
    this.stance = want;
    const where = want === 'long' ? `above ${fmt(upper)}` : `below ${fmt(lower)}`;
    return {
      direction: want,
      reason: `close ${fmt(bar.c)} broke ${where} (EMA(${this.ema.period}) ${fmt(e)} ± ${(this.band * 100).toFixed(1)}%)`,
      indicators: { ema: e, upper, lower, close: bar.c },
    };
  }

  values(): Record<string, number> {
    const e = this.ema.value;
    return e === null ? {} : { ema: e, upper: e * (1 + this.band), lower: e * (1 - this.band) };
  }
}
