// What the UI draws from a long run: downsampled curves keep the real extremes (the deepest
// drawdown shown is the true maximum drawdown), and the trade chart's candles merge bars
// without losing a high or a low.
import { describe, expect, it } from 'vitest';
import { downsampleDrawdown, downsampleExtremes } from '../../../engine/backtest/curves';
import { drawdownCurve } from '../../../engine/backtest/metrics';
import { chartBars } from '../../../electron/lab/datasets';
import { syntheticColumns } from '../backtest/synthetic';

describe('curve downsampling', () => {
  const cols = syntheticColumns(100_000, 9);
  const equity = cols.c;

  it('keeps at most the budget, the first and last points, and the global minimum and maximum', () => {
    const out = downsampleExtremes(cols.t, equity, 2000);
    expect(out.length).toBeLessThanOrEqual(2000);
    expect(out[0]!.t).toBe(cols.t[0]);
    expect(out.at(-1)).toEqual({ t: cols.t[99_999], v: equity[99_999] });
    expect(Math.max(...out.map((p) => p.v))).toBe(Math.max(...equity));
    expect(Math.min(...out.map((p) => p.v))).toBe(Math.min(...equity));
    for (let i = 1; i < out.length; i++) expect(out[i]!.t).toBeGreaterThan(out[i - 1]!.t);
  });

  it('the deepest downsampled drawdown is the true maximum drawdown', () => {
    const out = downsampleDrawdown(cols.t, equity, 2000);
    expect(out.length).toBeLessThanOrEqual(2000);
    expect(Math.min(...out.map((p) => p.v))).toBe(Math.min(...drawdownCurve(equity)));
  });

  it('short series pass through unchanged', () => {
    const short = syntheticColumns(50, 1);
    expect(downsampleExtremes(short.t, short.c, 2000)).toHaveLength(50);
  });
});

describe('trade chart candles', () => {
  it('merge consecutive bars: first open, highest high, lowest low, last close, summed volume', () => {
    const cols = syntheticColumns(10, 2);
    const r = chartBars('x', cols, 4);
    expect(r.barsPerCandle).toBe(3);
    expect(r.bars).toHaveLength(4);
    const first = r.bars[0]!;
    expect(first).toEqual({
      t: cols.t[0],
      o: cols.o[0],
      h: Math.max(cols.h[0]!, cols.h[1]!, cols.h[2]!),
      l: Math.min(cols.l[0]!, cols.l[1]!, cols.l[2]!),
      c: cols.c[2],
      v: cols.v[0]! + cols.v[1]! + cols.v[2]!,
    });
    expect(r.bars[3]).toMatchObject({ t: cols.t[9], c: cols.c[9] });
  });

  it('keep only the bars of the run\'s range', () => {
    const cols = syntheticColumns(10, 2);
    const r = chartBars('x', cols, 100, cols.t[2]!, cols.t[5]!);
    expect(r.bars.map((b) => b.t)).toEqual([cols.t[2], cols.t[3], cols.t[4], cols.t[5]]);
  });
});
