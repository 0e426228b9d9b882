// Bar merging, bounding, SMAs and fill placement behind the chart.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SMA } from 'technicalindicators';
import type { Bar } from '../../../engine/domain/types';
import { barTimeForFill, CHART_MIN_REDRAW_MS, CHART_TRIM_TO, MAX_CHART_BARS, mergeBar, redrawDelayMs, smaAt, smaSeries, trimBars } from '../../../renderer/chart/bars';
import { bar, T0 } from './fixtures';

describe('mergeBar', () => {
  it('appends newer bars, replaces the forming last bar, refuses older and broken bars', () => {
    const bars: Bar[] = [];
    expect(mergeBar(bars, bar(0, 100))).toBe('appended');
    expect(mergeBar(bars, bar(1, 101))).toBe('appended');
    expect(mergeBar(bars, bar(1, 102))).toBe('replaced');
    expect(mergeBar(bars, bar(0, 99))).toBe('stale');
    expect(mergeBar(bars, bar(2, Number.NaN))).toBe('invalid');
    expect(mergeBar(bars, bar(2, 100, { v: -1 }))).toBe('invalid');
    expect(bars.map((b) => b.c)).toEqual([100, 102]);
  });

  it('keeps the buffer strictly time-ordered whatever order bars arrive in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (minutes) => {
        const bars: Bar[] = [];
        for (const m of minutes) mergeBar(bars, bar(m, 100 + m));
        for (let i = 1; i < bars.length; i++) expect((bars[i] as Bar).t).toBeGreaterThan((bars[i - 1] as Bar).t);
      }),
    );
  });
});

describe('trimBars', () => {
  it('never lets the chart hold more than MAX_CHART_BARS and keeps the newest', () => {
    const bars: Bar[] = [];
    for (let i = 0; i < MAX_CHART_BARS * 3; i++) {
      mergeBar(bars, bar(i, 100));
      trimBars(bars);
      expect(bars.length).toBeLessThanOrEqual(MAX_CHART_BARS);
    }
    expect((bars[bars.length - 1] as Bar).t).toBe(bar(MAX_CHART_BARS * 3 - 1, 100).t);
    expect(trimBars(Array.from({ length: MAX_CHART_BARS + 1 }, (_, i) => bar(i, 1)))).toBe(true);
    const full = Array.from({ length: MAX_CHART_BARS + 1 }, (_, i) => bar(i, 1));
    trimBars(full);
    expect(full).toHaveLength(CHART_TRIM_TO);
  });
});

describe('SMA for display', () => {
  const closes = Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 7) + (i % 5) * 0.3);
  const bars = closes.map((c, i) => bar(i, c));

  it('matches technicalindicators SMA for the whole series', () => {
    for (const period of [2, 10, 20, 50]) {
      const ours = smaSeries(bars, period).map((p) => p.value);
      const oracle = SMA.calculate({ period, values: closes });
      expect(ours).toHaveLength(oracle.length);
      ours.forEach((v, i) => expect(v).toBeCloseTo(oracle[i] as number, 9));
    }
  });

  it('gives the same last value incrementally (smaAt) as over the whole series, and null before the period', () => {
    const series = smaSeries(bars, 20);
    expect(smaAt(bars, 20, bars.length - 1)).toBeCloseTo(series[series.length - 1]?.value as number, 9);
    expect(smaAt(bars, 20, 18)).toBeNull();
    expect(smaAt(bars, 0, 10)).toBeNull();
    expect(smaSeries(bars.slice(0, 5), 20)).toEqual([]);
  });
});

describe('barTimeForFill', () => {
  const bars = [bar(0, 1), bar(1, 1), bar(2, 1)];
  it('places a fill on the bar open at its time, on the last bar when newer, nowhere when older', () => {
    expect(barTimeForFill(bars, T0 + 90_000)).toBe(T0 + 60_000);
    expect(barTimeForFill(bars, T0 + 60_000)).toBe(T0 + 60_000);
    expect(barTimeForFill(bars, T0 + 10 * 60_000)).toBe(T0 + 120_000);
    expect(barTimeForFill(bars, T0 - 1)).toBeNull();
    expect(barTimeForFill([], T0)).toBeNull();
  });
});

describe('redrawDelayMs', () => {
  it('draws at the next frame when the last redraw is long past (a bar a minute), else waits out the gap', () => {
    expect(redrawDelayMs(-Infinity, 5)).toBe(0);
    expect(redrawDelayMs(1000, 1000 + CHART_MIN_REDRAW_MS + 1)).toBe(0);
    expect(redrawDelayMs(1000, 1030)).toBe(CHART_MIN_REDRAW_MS - 30);
  });
});
