// Sweeps and walk-forward on worker threads give exactly the single-thread results, report
// progress per unit, and stop on cancel.
import { describe, expect, it } from 'vitest';
import { runSweepParallel, runWalkForwardParallel } from '../../../engine/backtest/pool';
import { catalogueFactory, CancelledError, gridPoints, runSweep, validPoints } from '../../../engine/backtest/sweep';
import { runWalkForward } from '../../../engine/backtest/walkForward';
import { syntheticColumns } from './synthetic';

const cols = syntheticColumns(4000, 11);
const config = { cash: 10_000, commission: { pct: 0.0005 }, allowShort: true };
const { valid: points, invalid } = validPoints('sma-cross', gridPoints({ fast: [5, 10, 20], slow: [10, 20, 40, 80] }));

describe('worker pool', () => {
  it('the grid skips invalid combinations up front, saying why', () => {
    expect(invalid.map((i) => i.params)).toEqual([
      { fast: 10, slow: 10 },
      { fast: 20, slow: 10 },
      { fast: 20, slow: 20 },
    ]);
    expect(invalid[0]!.reason).toMatch(/fast \(10\) must be less than slow \(10\)/);
  });

  it('a sweep on 2 workers returns the same metrics, in grid order, as on this thread, with progress for every point', async () => {
    const progress: number[] = [];
    const parallel = await runSweepParallel(cols, 'sma-cross', points, config, { workers: 2, onProgress: (d, total) => progress.push(d / total) });
    const serial = runSweep(cols, catalogueFactory('sma-cross'), points, config);
    expect(parallel).toEqual(serial);
    expect(progress.length).toBe(points.length);
    expect(progress.at(-1)).toBe(1);
  });

  it('walk-forward on 2 workers equals the single-thread run, window by window', async () => {
    const spec = { trainBars: 1500, testBars: 500 };
    const parallel = await runWalkForwardParallel(cols, 'sma-cross', points, spec, config, { workers: 2 });
    const serial = runWalkForward(cols, catalogueFactory('sma-cross'), points, spec, config);
    expect(parallel).toEqual(serial);
    expect(parallel.windows.length).toBe(5);
  });

  it('cancel stops the workers and rejects with CancelledError', async () => {
    const big = syntheticColumns(200_000, 3);
    const abort = new AbortController();
    const run = runSweepParallel(big, 'sma-cross', points, config, { workers: 2, signal: abort.signal, onProgress: () => abort.abort() });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });
});
