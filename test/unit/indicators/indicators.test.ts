// Streaming indicators against technicalindicators (the oracle) on real GOOG closes, and
// SMA against an exactly rounded windowed mean to prove it does not drift.
import { describe, expect, it } from 'vitest';
import { ATR, BollingerBands, EMA, MACD, RSI, SMA } from 'technicalindicators';
import { Atr, Bollinger, Ema, Macd, Rsi, Sma } from '../../../engine/indicators';
import { loadSharedBars, sharedDataAvailable } from '../data/sharedData';

const have = sharedDataAvailable('indicator tests on GOOG.csv');
const bars = have ? loadSharedBars('GOOG') : [];
const closes = bars.map((b) => b.c);

/** our streaming outputs, non-null only, so they align with the oracle's arrays */
function stream<T>(make: () => { update(x: number): T | null }, xs: number[]): T[] {
  const ind = make();
  const out: T[] = [];
  for (const x of xs) {
    const v = ind.update(x);
    if (v !== null) out.push(v);
  }
  return out;
}

/** relative agreement: the oracle sums naively, so allow a few ulps of drift, no more */
function expectClose(ours: number[], theirs: number[], rel = 1e-10): void {
  expect(ours.length).toBe(theirs.length);
  expect(ours.length).toBeGreaterThan(100);
  let worst = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i]! - theirs[i]!) / Math.max(1, Math.abs(theirs[i]!));
    worst = Math.max(worst, d);
  }
  expect(worst).toBeLessThan(rel);
}

/** exactly rounded sum (Shewchuk / Python math.fsum), to measure SMA error without oracle noise */
function fsum(xs: ArrayLike<number>): number {
  const partials: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    let x = xs[k]!;
    let j = 0;
    for (let p of partials) {
      if (Math.abs(x) < Math.abs(p)) [x, p] = [p, x];
      const hi = x + p;
      const lo = p - (hi - x);
      if (lo !== 0) partials[j++] = lo;
      x = hi;
    }
    partials.length = j;
    partials.push(x);
  }
  return partials.reduce((a, b) => a + b, 0);
}

describe.skipIf(!have)('streaming indicators match technicalindicators on GOOG closes', () => {
  it.each([5, 10, 20, 50, 200])('Sma(%i) equals the oracle SMA to 1e-10 relative', (p) => {
    expectClose(stream(() => new Sma(p), closes), SMA.calculate({ period: p, values: closes }));
  });

  it.each([5, 12, 26, 50])('Ema(%i) equals the oracle EMA (SMA-seeded) to 1e-10 relative', (p) => {
    expectClose(stream(() => new Ema(p), closes), EMA.calculate({ period: p, values: closes }));
  });

  it.each([2, 14, 30])('Rsi(%i) Wilder equals the oracle once rounded as the oracle rounds (2 decimals)', (p) => {
    const ours = stream(() => new Rsi(p), closes);
    const theirs = RSI.calculate({ period: p, values: closes });
    expect(ours.length).toBe(theirs.length);
    // technicalindicators returns parseFloat(rsi.toFixed(2)); ours is unrounded, so each value
    // must lie within half a cent of theirs (plus float noise at the rounding boundary)
    for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i]! - theirs[i]!)).toBeLessThanOrEqual(0.005 + 1e-9);
    expect(ours.some((v, i) => v !== theirs[i])).toBe(true);
  });

  it('Macd(12,26,9) line, signal and histogram equal the oracle (EMA variant)', () => {
    const ours = stream(() => new Macd(12, 26, 9), closes);
    const theirs = MACD.calculate({ values: closes, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false })
      .filter((r) => r.signal !== undefined);
    expectClose(ours.map((r) => r.macd), theirs.map((r) => r.MACD!), 1e-8);
    expectClose(ours.map((r) => r.signal), theirs.map((r) => r.signal!), 1e-8);
    expectClose(ours.map((r) => r.histogram), theirs.map((r) => r.histogram!), 1e-8);
  });

  it('Bollinger(20, 2) middle/upper/lower equal the oracle (population deviation)', () => {
    const ours = stream(() => new Bollinger(20, 2), closes);
    const theirs = BollingerBands.calculate({ period: 20, stdDev: 2, values: closes });
    expectClose(ours.map((r) => r.middle), theirs.map((r) => r.middle));
    expectClose(ours.map((r) => r.upper), theirs.map((r) => r.upper));
    expectClose(ours.map((r) => r.lower), theirs.map((r) => r.lower));
  });

  it.each([5, 14])('Atr(%i) Wilder equals the oracle ATR', (p) => {
    const atr = new Atr(p);
    const ours: number[] = [];
    for (const b of bars) {
      const v = atr.update(b);
      if (v !== null) ours.push(v);
    }
    const theirs = ATR.calculate({ period: p, high: bars.map((b) => b.h), low: bars.map((b) => b.l), close: closes });
    expectClose(ours, theirs);
  });
});

describe('streaming indicators: warm-up, drift and bad input', () => {
  it('each indicator returns null exactly during its warm-up and a value right after', () => {
    const xs = Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i / 3) * 5 + i * 0.1);
    const firstIndex = (ind: { update(x: number): unknown }): number => xs.findIndex((x) => ind.update(x) !== null);
    expect(firstIndex(new Sma(10))).toBe(9);
    expect(firstIndex(new Ema(10))).toBe(9);
    expect(firstIndex(new Rsi(14))).toBe(14);
    expect(firstIndex(new Macd(12, 26, 9))).toBe(25 + 8);
    expect(firstIndex(new Bollinger(20, 2))).toBe(19);
    const atr = new Atr(14);
    expect(firstIndex({ update: (x: number) => atr.update({ h: x + 1, l: x - 1, c: x }) })).toBe(14);
  });

  it('Sma stays within one rounding of the exactly rounded window mean over 200,000 noisy updates (no drift)', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const p = 20;
    const sma = new Sma(p);
    const xs = new Float64Array(200_000);
    let price = 1000;
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      price *= 1 + (rnd() - 0.5) * 0.02;
      xs[i] = i % 1000 === 0 ? price * 1e6 : price; // spikes make a naive running sum lose digits
      const v = sma.update(xs[i]!);
      if (i >= p - 1 && i % 97 === 0) {
        const exact = fsum(xs.subarray(i - p + 1, i + 1)) / p;
        worst = Math.max(worst, Math.abs(v! - exact) / Math.abs(exact));
      }
    }
    expect(worst).toBeLessThan(1e-13);
  });

  it('a window of identical values yields exactly that value (pandas convention)', () => {
    const sma = new Sma(3);
    for (const x of [0.1, 0.7, 0.3, 0.3, 0.3]) sma.update(x);
    expect(sma.value).toBe(0.3);
  });

  it('bad periods and non-finite inputs throw with a message saying what was wrong', () => {
    expect(() => new Sma(0)).toThrow(/period must be a whole number between 1 and 100000, got 0/);
    expect(() => new Ema(2.5)).toThrow(/got 2.5/);
    expect(() => new Macd(26, 12, 9)).toThrow(/fast \(26\) must be shorter than slow \(12\)/);
    expect(() => new Bollinger(20, 0)).toThrow(/k must be greater than 0/);
    expect(() => new Sma(5).update(Number.NaN)).toThrow(/value must be a finite number, got NaN/);
  });
});
