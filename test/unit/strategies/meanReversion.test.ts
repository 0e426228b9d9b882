// Signals of the mean-reversion strategies on crafted series, worked out by hand.
import { describe, expect, it } from 'vitest';
import { BollingerReversion } from '../../../engine/strategies/bollingerReversion';
import { createStrategy } from '../../../engine/strategies/registry';
import { RsiMeanReversion } from '../../../engine/strategies/rsiMeanReversion';
import { directions, signals } from './feed';

describe('RsiMeanReversion', () => {
  it('RSI(2): short when overbought, flat back at 50, long when oversold, flat back at 50, short again', () => {
    // RSI(2) by hand: i2 100 -> short; i3 50 -> flat; i4 25 -> long; i5 12.5 (hold); i6 56.25 -> flat; i7 78.1 -> short
    const closes = [10, 11, 12, 11, 10, 9, 10, 11];
    const got = signals(new RsiMeanReversion({ period: 2, oversold: 30, overbought: 70, exit: 50 }), closes);
    expect(directions(got)).toEqual([
      [2, 'short'],
      [3, 'flat'],
      [4, 'long'],
      [6, 'flat'],
      [7, 'short'],
    ]);
    expect(got[2]![1].reason).toBe('RSI(2) 25.00 below oversold 30');
    expect(got[2]![1].indicators.rsi).toBe(25);
  });

  it('refuses oversold above the exit level, naming both', () => {
    expect(() => createStrategy('rsi-mean-reversion', { oversold: 45, exit: 40 })).toThrow(/oversold \(45\) must be less than exit \(40\)/);
    expect(() => createStrategy('rsi-mean-reversion', { overbought: 99 })).toThrow(/overbought .* between 50 and 95, got 99/);
  });
});

describe('BollingerReversion', () => {
  it('BB(10, 2): long on a close below the lower band, flat back at the middle, short above the upper band, flat again', () => {
    // nine closes at 100 then 90: z = 9/sqrt(10) = 2.85 > 2 -> long; 99 >= middle 98.9 -> flat;
    // 115 > upper 111.79 -> short; 100 <= middle 100.4 -> flat
    const closes = [100, 100, 100, 100, 100, 100, 100, 100, 100, 90, 99, 115, 100];
    const got = signals(new BollingerReversion({ period: 10, k: 2 }), closes);
    expect(directions(got)).toEqual([
      [9, 'long'],
      [10, 'flat'],
      [11, 'short'],
      [12, 'flat'],
    ]);
    expect(got[2]![1].indicators.upper).toBeCloseTo(100.4 + 2 * Math.sqrt(32.44), 9);
  });

  it('a window with no deviation does not signal on a close equal to the bands', () => {
    expect(signals(new BollingerReversion({ period: 3, k: 2 }), [5, 5, 5, 5, 5])).toEqual([]);
  });
});
