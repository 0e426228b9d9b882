// Bollinger mean reversion: long when the close falls below the lower band, short when it
// rises above the upper band, flat again when it comes back to the middle band.
import type { Bar } from '../domain/types';
import { Bollinger } from '../indicators/bollinger';
import { fmt, param, validateParams } from './params';
import type { Direction, ParamSpec, Signal, Strategy } from './types';

export const BOLLINGER_REVERSION_ID = 'bollinger-reversion';

export const BOLLINGER_REVERSION_PARAMS: readonly ParamSpec[] = [
  param('period', 'Band period', 2, 400, 20),
  param('k', 'Band width (standard deviations)', 0.5, 5, 2, false, 0.1),
];

export class BollingerReversion implements Strategy {
  readonly id = BOLLINGER_REVERSION_ID;
  readonly warmup: number;
  private readonly bands: Bollinger;
  private stance: Direction = 'flat';

  constructor(params: { period: number; k: number }) {
    validateParams(BOLLINGER_REVERSION_ID, BOLLINGER_REVERSION_PARAMS, params);
    this.bands = new Bollinger(params.period, params.k);
    this.warmup = params.period;
  }

  onBar(bar: Bar): Signal | null {
    const b = this.bands.update(bar.c);
    if (b === null) return null;
    const c = bar.c;
    let want: Direction = this.stance;
    let why = '';
    if (c < b.lower) [want, why] = ['long', `below the lower band ${fmt(b.lower)}`];
    else if (c > b.upper) [want, why] = ['short', `above the upper band ${fmt(b.upper)}`];
    else if ((this.stance === 'long' && c >= b.middle) || (this.stance === 'short' && c <= b.middle)) {
      [want, why] = ['flat', `back at the middle band ${fmt(b.middle)}`];
    }
    if (want === this.stance) return null;
    this.stance = want;
    return { direction: want, reason: `close ${fmt(c)} ${why}`, indicators: { middle: b.middle, upper: b.upper, lower: b.lower, close: c } };
  }

  values(): Record<string, number> {
    const b = this.bands.value;
    return b === null ? {} : { middle: b.middle, upper: b.upper, lower: b.lower };
  }
}
