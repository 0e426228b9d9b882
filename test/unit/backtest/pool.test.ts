// Sweeps and walk-forward on worker threads give exactly the single-thread results, report
// progress per unit, and stop on cancel.
import { describe, expect, it } from 'vitest';
import { BacktestPool, runSweepParallel, runWalkForwardParallel } from '../../../engine/backtest/pool';
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

  it('workers start once and are reused across calls; a cancel replaces only the busy ones; idle workers stop', async () => {
    const pool = new BacktestPool({ size: 2, idleMs: 300 });
    try {
      expect(pool.workerCount).toBe(0);
      const first = await runSweepParallel(cols, 'sma-cross', points, config, { pool });
      expect(pool.workerCount).toBe(2);
      await pool.warm();
      const t0 = performance.now();
      // warm workers answer in far less than a cold start (~0.4 s to boot tsx per worker)
      expect(await runSweepParallel(cols, 'sma-cross', points, config, { pool })).toEqual(first);
      expect(performance.now() - t0).toBeLessThan(350);
      expect(pool.workerCount).toBe(2);

      const big = syntheticColumns(200_000, 3);
      const abort = new AbortController();
      const run = runSweepParallel(big, 'sma-cross', points, config, { pool, workers: 1, signal: abort.signal, onProgress: () => abort.abort() });
      await expect(run).rejects.toBeInstanceOf(CancelledError);
      expect(pool.workerCount).toBe(1);
      // the pool still works after a cancel, starting a replacement on demand
      expect(await runSweepParallel(cols, 'sma-cross', points, config, { pool })).toEqual(first);
      expect(pool.workerCount).toBe(2);

      await new Promise((r) => setTimeout(r, 600));
      expect(pool.workerCount).toBe(0);
    } finally {
      await pool.shutdown();
    }
  });

  it('a shut-down pool refuses work and cancels what was running', async () => {
    const pool = new BacktestPool({ size: 2 });
    const big = syntheticColumns(200_000, 3);
    const run = runSweepParallel(big, 'sma-cross', points, config, { pool, onProgress: () => void pool.shutdown() });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(pool.workerCount).toBe(0);
    await expect(runSweepParallel(cols, 'sma-cross', points, config, { pool })).rejects.toBeInstanceOf(CancelledError);
  });
});
