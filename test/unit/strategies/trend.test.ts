// Signals of the trend strategies on crafted series: EMA breakout by hand, MACD against
// technicalindicators' MACD histogram.
import { describe, expect, it } from 'vitest';
import { MACD } from 'technicalindicators';
import { EmaBreakout } from '../../../engine/strategies/emaBreakout';
import { MacdTrend } from '../../../engine/strategies/macdTrend';
import { directions, signals } from './feed';

describe('EmaBreakout', () => {
  it('EMA(3) ± 2%: long when 105 breaks above 104.81, holds inside the envelope, short when 95 breaks below 97.20', () => {
    const closes = [100, 100, 100, 101, 105, 104, 95];
    const got = signals(new EmaBreakout({ period: 3, band: 0.02 }), closes);
    expect(directions(got)).toEqual([
      [4, 'long'],
      [6, 'short'],
    ]);
    expect(got[0]![1].indicators.upper).toBeCloseTo(102.75 * 1.02, 12);
    expect(got[1]![1].indicators.lower).toBeCloseTo(99.1875 * 0.98, 12);
  });

  it('band 0 flips on every cross of the EMA itself', () => {
    const got = signals(new EmaBreakout({ period: 2, band: 0 }), [10, 10, 11, 9, 12]);
    expect(directions(got)).toEqual([
      [2, 'long'],
      [3, 'short'],
      [4, 'long'],
    ]);
  });
});

describe('MacdTrend', () => {
  it('signals exactly where technicalindicators MACD(3,6,3) histogram changes sign strictly', () => {
    const closes = [50, 49, 47, 44, 40, 37, 36, 37, 40, 44, 47, 48, 47, 44, 40, 36, 35, 36, 39, 43];
    const hist = MACD.calculate({ values: closes, fastPeriod: 3, slowPeriod: 6, signalPeriod: 3, SimpleMAOscillator: false, SimpleMASignal: false })
      .map((r) => r.histogram);
    const offset = closes.length - hist.length;
    const expected: [number, string][] = [];
    for (let i = 1; i < hist.length; i++) {
      const a = hist[i - 1];
      const b = hist[i];
      if (a === undefined || b === undefined) continue;
      if (a < 0 && b > 0) expected.push([i + offset, 'long']);
      if (a > 0 && b < 0) expected.push([i + offset, 'short']);
    }
    expect(expected.map(([, d]) => d).sort()).toEqual(['long', 'short']);
    expect(directions(signals(new MacdTrend({ fast: 3, slow: 6, signal: 3 }), closes))).toEqual(expected);
  });

  it('refuses fast >= slow', () => {
    expect(() => new MacdTrend({ fast: 26, slow: 12, signal: 9 })).toThrow(/fast \(26\) must be less than slow \(12\)/);
  });
});
