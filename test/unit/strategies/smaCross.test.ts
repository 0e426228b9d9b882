import { describe, expect, it } from 'vitest';
import { SmaCross } from '../../../engine/strategies/smaCross';
import { createStrategy, strategyDefinition } from '../../../engine/strategies/registry';
import { signals } from './feed';

describe('SmaCross', () => {
  it('goes long on the bar where SMA(2) crosses strictly above SMA(4), short where it crosses below', () => {
    // falling, then rising, then falling again
    const closes = [10, 9, 8, 7, 6, 7, 9, 11, 12, 11, 9, 7, 6];
    const got = signals(new SmaCross({ fast: 2, slow: 4 }), closes);
    expect(got.map(([i, s]) => [i, s.direction])).toEqual([
      [6, 'long'],
      [10, 'short'],
    ]);
    const [, long] = got[0]!;
    expect(long.indicators.smaFast).toBe(8);
    expect(long.indicators.smaSlow).toBe(7.25);
    expect(long.reason).toBe('SMA(2) 8.00 crossed above SMA(4) 7.25');
  });

  it('a touch (fast == slow) is not a crossover; crossing after the touch is not either (strict on both bars)', () => {
    // SMA(1) touches SMA(2) at bar 3 (2 == 2) and moves above at bar 4: no signal there;
    // the clean crossings at bars 5 (below) and 7 (above) do fire
    const closes = [4, 3, 2, 2, 3, 2, 1, 3];
    const got = signals(new SmaCross({ fast: 1, slow: 2 }), closes);
    expect(got.map(([i, s]) => [i, s.direction])).toEqual([
      [5, 'short'],
      [7, 'long'],
    ]);
  });

  it('emits nothing before warm-up and reports its indicator values once they exist', () => {
    const s = new SmaCross({ fast: 3, slow: 5 });
    expect(s.warmup).toBe(5);
    expect(s.values()).toEqual({});
    signals(s, [1, 2, 3, 4, 5]);
    expect(s.values()).toEqual({ smaFast: 4, smaSlow: 3 });
  });

  it('refuses fast >= slow and out-of-range periods, naming the range', () => {
    expect(() => new SmaCross({ fast: 20, slow: 10 })).toThrow(/fast \(20\) must be less than slow \(10\)/);
    expect(() => new SmaCross({ fast: 0, slow: 10 })).toThrow(/fast \(Fast SMA period\) must be a whole number between 1 and 200, got 0/);
    expect(() => createStrategy('sma-cross', { fast: 10, slow: 1000 })).toThrow(/slow .* between 2 and 400, got 1000/);
    expect(() => createStrategy('sma-cross', { fast: 10, slow: 20, speed: 3 })).toThrow(/unknown parameter "speed"/);
    expect(() => createStrategy('sma-crossover', {})).toThrow(/unknown strategy "sma-crossover"; choose one of sma-cross/);
  });

  it('the registry fills defaults (10/20) and builds a working instance', () => {
    const def = strategyDefinition('sma-cross');
    expect(def.params.map((p) => [p.name, p.default])).toEqual([
      ['fast', 10],
      ['slow', 20],
    ]);
    expect(createStrategy('sma-cross', {}).warmup).toBe(20);
  });
});
