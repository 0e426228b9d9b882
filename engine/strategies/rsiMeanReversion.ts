// RSI mean reversion: long when RSI falls below `oversold`, short when it rises above
// `overbought`, and back to flat when RSI returns through `exit` (the middle, 50 by default):
// the bet is on the return to the mean, not beyond it.
import type { Bar } from '../domain/types';
import { Rsi } from '../indicators/rsi';
import { fmt, param, requireLess, validateParams } from './params';
import type { Direction, ParamSpec, Signal, Strategy } from './types';

export const RSI_MEAN_REVERSION_ID = 'rsi-mean-reversion';

export const RSI_MEAN_REVERSION_PARAMS: readonly ParamSpec[] = [
  param('period', 'RSI period', 2, 100, 14),
  param('oversold', 'Oversold below', 5, 50, 30),
  param('overbought', 'Overbought above', 50, 95, 70),
  param('exit', 'Exit at', 20, 80, 50),
];

export class RsiMeanReversion implements Strategy {
  readonly id = RSI_MEAN_REVERSION_ID;
  readonly warmup: number;
  private readonly rsi: Rsi;
  private readonly p: { oversold: number; overbought: number; exit: number };
  private stance: Direction = 'flat';

  constructor(params: { period: number; oversold: number; overbought: number; exit: number }) {
    const p = validateParams(RSI_MEAN_REVERSION_ID, RSI_MEAN_REVERSION_PARAMS, params);
    requireLess(RSI_MEAN_REVERSION_ID, p, 'oversold', 'exit');
    requireLess(RSI_MEAN_REVERSION_ID, p, 'exit', 'overbought');
    this.rsi = new Rsi(params.period);
    this.p = params;
    this.warmup = params.period + 1;
  }

  onBar(bar: Bar): Signal | null {
    const r = this.rsi.update(bar.c);
    if (r === null) return null;
    const { oversold, overbought, exit } = this.p;
    let want: Direction = this.stance;
    let why = '';
    if (r < oversold) [want, why] = ['long', `below oversold ${oversold}`];
    else if (r > overbought) [want, why] = ['short', `above overbought ${overbought}`];
    else if (this.stance === 'long' && r >= exit) [want, why] = ['flat', `back above ${exit}`];
    else if (this.stance === 'short' && r <= exit) [want, why] = ['flat', `back below ${exit}`];
    if (want === this.stance) return null;
    this.stance = want;
    return { direction: want, reason: `RSI(${this.rsi.period}) ${fmt(r)} ${why}`, indicators: { rsi: r } };
  }

  values(): Record<string, number> {
    return this.rsi.value === null ? {} : { rsi: this.rsi.value };
  }
}
