// Runs sweeps and walk-forward analyses on worker threads (both cores by default), so the
// thread that runs risk and the kill switch never waits behind a long computation. This file
// and backtest.worker.ts are the only engine files that touch node:worker_threads.
// The bars are shared (SharedArrayBuffer), the work is split into small jobs handed out as
// workers free up; progress is counted per sweep point / window; cancel terminates the workers.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CsvParseOptions } from '../data/csv';
import type { StrategyParams } from '../strategies/params';
import type { StrategySpec } from '../strategies/registry';
import type { BarColumns } from './columns';
import { DEFAULT_CURVE_POINTS } from './curves';
import { shareColumns, type BacktestJob, type BacktestJobResult, type CsvColumnsResult } from './jobs';
import type { BacktestReport } from './report';
import { CancelledError, type SweepPoint } from './sweep';
import type { BacktestConfig } from './types';
import { LookaheadError, walkForwardWindows, type Objective, type WalkForwardResult, type WalkForwardSpec } from './walkForward';

export interface ParallelOptions {
  /** worker threads (default: available cores, at most 2 jobs' worth of splitting) */
  workers?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Bundled (electron/build.mjs turns *.worker.ts into dist/workers/*.cjs) the worker is the built
 * file; from sources (tsx, vitest: this file is .ts) a small bootstrap loads the .ts worker through
 * tsx's API, because Node 20 does not pass --import loaders on to worker threads.
 */
function startWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./workers/backtest.worker.cjs', here), { workerData });
  const source = new URL('./backtest.worker.ts', here).href;
  const boot = `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(source)}, ${JSON.stringify(here)}))`;
  return new Worker(boot, { eval: true, workerData });
}

type Reply = { id: number; type: 'progress' } | { id: number; type: 'result'; result: BacktestJobResult } | { id: number; type: 'error'; name: string; message: string };

async function runJobs(cols: BarColumns, jobs: BacktestJob[], units: number, opts: ParallelOptions): Promise<BacktestJobResult[]> {
  if (opts.signal?.aborted) throw new CancelledError('backtest job');
  const count = Math.max(1, Math.min(opts.workers ?? availableParallelism(), jobs.length));
  const shared = shareColumns(cols);
  const workers = Array.from({ length: count }, () => startWorker(shared));
  const results: BacktestJobResult[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  let finished = 0;
  let onAbort = (): void => undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onAbort = () => reject(new CancelledError('backtest job'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (w: Worker): void => {
        if (next < jobs.length) {
          const id = next++;
          w.postMessage({ id, job: jobs[id] });
        }
      };
      for (const w of workers) {
        w.on('error', reject);
        w.on('message', (m: Reply) => {
          if (m.type === 'progress') opts.onProgress?.(++done, units);
          else if (m.type === 'error') reject(m.name === 'LookaheadError' ? new LookaheadError(m.message) : new Error(m.message));
          else {
            results[m.id] = m.result;
            if (++finished === jobs.length) resolve();
            else feed(w);
          }
        });
        feed(w);
      }
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/** split `items` into about `per` contiguous chunks per worker, so a free worker can take more */
function chunks<T>(items: readonly T[], workers: number, per = 4): T[][] {
  const size = Math.max(1, Math.ceil(items.length / (workers * per)));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function runSweepParallel(cols: BarColumns, strategyId: string, points: readonly StrategyParams[], config: BacktestConfig, opts: ParallelOptions = {}): Promise<SweepPoint[]> {
  const jobs: BacktestJob[] = chunks(points, opts.workers ?? availableParallelism()).map((p) => ({ kind: 'sweep', strategyId, points: p, config }));
  const results = await runJobs(cols, jobs, points.length, opts);
  return results.flatMap((r) => (r.kind === 'sweep' ? r.points : []));
}

export async function runWalkForwardParallel(
  cols: BarColumns,
  strategyId: string,
  points: readonly StrategyParams[],
  spec: WalkForwardSpec,
  config: BacktestConfig,
  opts: ParallelOptions & { objective?: Objective; audit?: boolean } = {},
): Promise<WalkForwardResult> {
  const windows = walkForwardWindows(cols.length, spec);
  const jobs: BacktestJob[] = chunks(windows, opts.workers ?? availableParallelism(), 1).map((w) => ({
    kind: 'walk-forward', strategyId, points: [...points], config, spec, windows: w, objective: opts.objective ?? 'sharpe', audit: opts.audit ?? true,
  }));
  const results = (await runJobs(cols, jobs, windows.length, opts)).flatMap((r) => (r.kind === 'walk-forward' ? r.windows : []));
  const positiveSharpe = results.filter((r) => r.test.sharpe > 0).length;
  return { windows: results, positiveSharpe, fractionPositiveSharpe: results.length ? positiveSharpe / results.length : 0 };
}

/** one backtest on one worker thread (progress: one unit when it is done; cancel terminates it) */
export async function runBacktestInWorker(
  cols: BarColumns,
  spec: StrategySpec,
  config: BacktestConfig,
  opts: Omit<ParallelOptions, 'workers'> & { curvePoints?: number } = {},
): Promise<BacktestReport> {
  const job: BacktestJob = { kind: 'backtest', spec, config, curvePoints: opts.curvePoints ?? DEFAULT_CURVE_POINTS };
  const [result] = await runJobs(cols, [job], 1, { ...opts, workers: 1 });
  if (result?.kind !== 'backtest') throw new Error('backtest worker returned no report');
  return result.report;
}

const NO_BARS: BarColumns = { length: 0, t: new Float64Array(0), o: new Float64Array(0), h: new Float64Array(0), l: new Float64Array(0), c: new Float64Array(0), v: new Float64Array(0) };

/** validates a CSV's text (engine/data/csv.ts) on a worker thread; a big file never stalls the caller */
export async function parseCsvInWorker(text: string, options: CsvParseOptions, opts: Omit<ParallelOptions, 'workers'> = {}): Promise<CsvColumnsResult> {
  const [result] = await runJobs(NO_BARS, [{ kind: 'parse-csv', text, options }], 1, { ...opts, workers: 1 });
  if (result?.kind !== 'parse-csv') throw new Error('CSV worker returned no result');
  return result.result;
}
