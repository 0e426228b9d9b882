// A single backtest reports its progress per bar (issue 5: "progress of long runs shown"): the
// backtester calls back every 1% of the bars, the worker forwards bars done / total, and the lab
// service relays them as `lab:progress`. Progress never goes backwards, ends at the bar count,
// is bounded (about 100 reports a run whatever its length), does not change the result, and a
// cancel mid-run still stops the worker and saves nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, Result } from '../../../engine/api/contract';
import type { LabRunFinished, LabRunStatus } from '../../../engine/api/lab';
import { BACKTEST_PROGRESS_STEPS, runBacktest } from '../../../engine/backtest/backtester';
import { BacktestPool, runBacktestInWorker, runSweepParallel } from '../../../engine/backtest/pool';
import { CancelledError, gridPoints, validPoints } from '../../../engine/backtest/sweep';
import { SmaCross } from '../../../engine/strategies/smaCross';
import { SqliteStore } from '../../../db/SqliteStore';
import { LabService } from '../../../electron/lab/LabService';
import { makeTempDir } from '../db/fixtures';
import { syntheticColumns } from '../backtest/synthetic';

const config = { cash: 10_000, commission: { pct: 0.001 }, allowShort: true };
const spec = { kind: 'single' as const, id: 'sma-cross', params: { fast: 5, slow: 20 } };

/** every report's `done` is above the previous one, every `total` is the bar count, the last is done = total */
function expectMonotoneToTotal(reports: [number, number][], bars: number): void {
  expect(reports.length).toBeGreaterThan(0);
  reports.forEach(([done, total], i) => {
    expect(total).toBe(bars);
    if (i > 0) expect(done).toBeGreaterThan(reports[i - 1]![0]);
  });
  expect(reports.at(-1)).toEqual([bars, bars]);
}

describe('backtester progress', () => {
  it('reports every 1% of the bars, monotone, ending at the total, and the result is the same as without it', () => {
    for (const bars of [2, 99, 101, 12_345]) {
      const cols = syntheticColumns(bars, 7);
      const reports: [number, number][] = [];
      const withProgress = runBacktest(cols, new SmaCross({ fast: 2, slow: 5 }), config, (d, t) => reports.push([d, t]));
      expectMonotoneToTotal(reports, bars);
      expect(reports.length).toBeLessThanOrEqual(BACKTEST_PROGRESS_STEPS);
      // a step of at most 1% (rounded up to whole bars) between reports
      const step = Math.ceil(bars / BACKTEST_PROGRESS_STEPS);
      reports.forEach(([d], i) => expect(d - (i > 0 ? reports[i - 1]![0] : 0)).toBeLessThanOrEqual(step));
      expect(withProgress).toEqual(runBacktest(cols, new SmaCross({ fast: 2, slow: 5 }), config));
    }
  });
});

describe('a backtest on a worker thread', () => {
  const pool = new BacktestPool({ size: 1 });
  afterAll(() => pool.shutdown());

  it('forwards bars done / total from the worker: monotone, bounded, ending at the bar count', async () => {
    const cols = syntheticColumns(50_000, 3);
    const reports: [number, number][] = [];
    const report = await runBacktestInWorker(cols, spec, config, { pool, onProgress: (d, t) => reports.push([d, t]) });
    expect(report.bars).toBe(50_000);
    expectMonotoneToTotal(reports, 50_000);
    expect(reports.length).toBeLessThanOrEqual(BACKTEST_PROGRESS_STEPS);
  });

  it('a sweep still counts whole points (1..N of N), not the bars or the points of one worker\'s chunk', async () => {
    const points = validPoints('sma-cross', gridPoints({ fast: [2, 3, 4, 5, 6, 7], slow: [20, 30, 40] })).valid;
    const reports: [number, number][] = [];
    await runSweepParallel(syntheticColumns(2000, 5), 'sma-cross', points, config, { pool, onProgress: (d, t) => reports.push([d, t]) });
    expect(reports).toEqual(points.map((_, i) => [i + 1, points.length]));
  });

  it('cancel after the first progress report stops the worker and rejects; no progress arrives after it', async () => {
    const cols = syntheticColumns(300_000, 4);
    const abort = new AbortController();
    let afterCancel = 0;
    const run = runBacktestInWorker(cols, spec, config, {
      pool,
      signal: abort.signal,
      onProgress: () => (abort.signal.aborted ? afterCancel++ : abort.abort()),
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(afterCancel).toBe(0);
    // the busy worker was terminated, not left running the rest of the bars
    expect(pool.workerCount).toBe(0);
  });
});

describe('the lab service relays a single backtest\'s per-bar progress', () => {
  const BARS = 200_000;
  const cols = syntheticColumns(BARS, 9);
  let cleanup: () => void;
  let store: SqliteStore;
  let lab: LabService;
  const events: EngineEvent[] = [];

  beforeAll(() => {
    const tmp = makeTempDir('lab-progress-');
    cleanup = tmp.cleanup;
    store = SqliteStore.open(tmp.dir);
    // a cached symbol served from memory: the store's real lab repository saves the results
    const labStore = {
      lab: store.lab,
      barCoverage: () => ({ firstT: cols.t[0]!, lastT: cols.t[BARS - 1]!, count: BARS }),
      loadBarColumns: () => cols,
    };
    lab = new LabService({ store: labStore, cachedSymbols: () => [{ symbol: 'SYN', timeframe: '1Min', qtyStep: 1 }], workers: 1, progressIntervalMs: 0 });
    lab.subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    await lab?.shutdown();
    store?.close();
    cleanup?.();
  });

  const request = { dataset: 'sim:SYN', strategy: spec, costs: { commission: { pct: 0.001 } }, riskGate: false };

  function value<T>(r: Result<unknown>): T {
    if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
    return r.value as T;
  }

  function finished(runId: string): Promise<LabRunFinished> {
    return new Promise((resolve) => {
      const seen = events.find((e) => e.name === 'lab:finished' && e.payload.runId === runId);
      if (seen?.name === 'lab:finished') return resolve(seen.payload);
      const stop = lab.subscribe((e) => {
        if (e.name === 'lab:finished' && e.payload.runId === runId) {
          stop();
          resolve(e.payload);
        }
      });
    });
  }

  const progressOf = (runId: string): LabRunStatus[] => events.flatMap((e) => (e.name === 'lab:progress' && e.payload.runId === runId ? [e.payload] : []));

  it('lab:progress counts the bars while running, monotone, to the total, then saves', async () => {
    const started = value<LabRunStatus>(await lab.dispatch('lab:run_backtest', request));
    expect((await finished(started.runId)).status).toBe('done');
    const progress = progressOf(started.runId);
    const running = progress.filter((p) => p.phase === 'running' && p.done > 0);
    expectMonotoneToTotal(running.map((p) => [p.done, p.total]), BARS);
    // bounded: the worker reports every 1%; the service adds loading, running and saving
    expect(progress.length).toBeLessThanOrEqual(BACKTEST_PROGRESS_STEPS + 4);
    expect(progress.at(-1)).toMatchObject({ phase: 'saving', done: BARS, total: BARS });
  });

  it('cancel mid-run (bars part done) ends the run cancelled and saves nothing', async () => {
    const before = store.lab.listResults(undefined, 1000).length;
    const started = value<LabRunStatus>(await lab.dispatch('lab:run_backtest', { ...request, name: 'to cancel' }));
    const part = await new Promise<LabRunStatus>((resolve) => {
      const stop = lab.subscribe((e) => {
        if (e.name === 'lab:progress' && e.payload.runId === started.runId && e.payload.done > 0 && e.payload.done < e.payload.total) {
          stop();
          resolve(e.payload);
        }
      });
    });
    expect(part.total).toBe(BARS);
    expect(value<{ cancelled: boolean }>(await lab.dispatch('lab:cancel', { runId: started.runId })).cancelled).toBe(true);
    expect(await finished(started.runId)).toMatchObject({ status: 'cancelled', result: null });
    expect(store.lab.listResults(undefined, 1000)).toHaveLength(before);
    expect(lab.activeRuns()).toEqual([]);
  });
});
