import { describe, expect, it } from 'vitest';
import type { Bar } from '../../../engine/domain/types';
import { DEFAULT_SIM_SYMBOLS } from '../../../engine/sim/instruments';
import { SimMarket } from '../../../engine/sim/SimMarket';
import { TestClock } from './harness';

const make = (seed: number, cursors?: ReturnType<SimMarket['cursors']>) =>
  new SimMarket({ seed, speed: 10, symbols: DEFAULT_SIM_SYMBOLS, clock: new TestClock(), historyBars: 200, cursors });

const path = (m: SimMarket, n: number): Bar[] => {
  const out: Bar[] = [];
  for (let i = 0; i < n; i++) out.push(...m.step(1).filter((t) => t.symbol === 'NVDA').map((t) => t.bar));
  return out;
};

describe('simulated market', () => {
  it('is deterministic for a given seed and differs for another seed', () => {
    expect(path(make(11), 300)).toEqual(path(make(11), 300));
    expect(path(make(11), 50)).not.toEqual(path(make(12), 50));
  });

  it('resumes the same path from a saved cursor, as after a restart', () => {
    const whole = make(5);
    const first = path(whole, 100);
    const rest = path(whole, 100);
    const before = make(5);
    expect(path(before, 100)).toEqual(first);
    const resumed = make(5, before.cursors());
    expect(path(resumed, 100)).toEqual(rest);
  });

  it('produces valid bars (high >= open, close >= low > 0) one timeframe apart', () => {
    const bars = path(make(3), 2000);
    for (let i = 0; i < bars.length; i++) {
      const b = bars[i]!;
      expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c));
      expect(b.l).toBeLessThanOrEqual(Math.min(b.o, b.c));
      expect(b.l).toBeGreaterThan(0);
      if (i > 0) expect(b.t - bars[i - 1]!.t).toBe(60_000);
    }
  });

  it('has regimes: trending stretches and volatility bursts, not one flat random walk', () => {
    const bars = path(make(9), 4000);
    const ranges = bars.map((b) => (b.h - b.l) / b.c);
    const blocks: number[] = [];
    for (let i = 0; i + 120 <= ranges.length; i += 120) blocks.push(ranges.slice(i, i + 120).reduce((a, x) => a + x, 0) / 120);
    expect(Math.max(...blocks) / Math.min(...blocks)).toBeGreaterThan(2.5); // calm vs burst blocks
    const moves: number[] = [];
    for (let i = 0; i + 120 <= bars.length; i += 120) moves.push(Math.abs(Math.log(bars[i + 119]!.c / bars[i]!.o)));
    expect(Math.max(...moves)).toBeGreaterThan(0.05); // at least one strong trend block
  });

  it('refuses a speed that is not a positive number', () => {
    expect(() => new SimMarket({ seed: 1, speed: 0, symbols: DEFAULT_SIM_SYMBOLS, clock: new TestClock() })).toThrow(/speed must be a positive number/);
    expect(() => new SimMarket({ seed: 1, speed: NaN, symbols: DEFAULT_SIM_SYMBOLS, clock: new TestClock() })).toThrow(/speed/);
  });
});
