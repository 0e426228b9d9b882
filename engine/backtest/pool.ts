// Runs backtests, sweeps and walk-forward analyses on worker threads (both cores by default), so
// the thread that runs risk and the kill switch never waits behind a long computation. This file
// and backtest.worker.ts are the only engine files that touch node:worker_threads.
// The workers are persistent: started lazily on first use and reused by every later call, because
// booting one costs ~0.4 s from sources, which used to swamp the work of a whole sweep. They stop
// when the pool is shut down or after a minute idle, so they do not hold memory between runs.
// The bars go with each job as a SharedArrayBuffer (shared, not copied); work is split into small
// jobs handed out as workers free up; progress is counted per sweep point / window; cancel
// terminates the workers busy with the cancelled call and the pool replaces them on demand.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CsvParseOptions } from '../data/csv';
import type { StrategyParams } from '../strategies/params';
import type { StrategySpec } from '../strategies/registry';
import type { BarColumns } from './columns';
import { DEFAULT_CURVE_POINTS } from './curves';
import { shareColumns, type BacktestJob, type BacktestJobResult, type CsvColumnsResult, type RiskGateSpec, type RiskRefusals, type SharedBars } from './jobs';
import type { BacktestReport } from './report';
import { CancelledError, type SweepPoint } from './sweep';
import type { BacktestConfig } from './types';
import { LookaheadError, walkForwardWindows, type Objective, type WalkForwardResult, type WalkForwardSpec } from './walkForward';

export interface ParallelOptions {
  /** worker threads this call may keep busy at once (default: the pool's size) */
  workers?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** the pool to run on (default: one shared, process-wide pool) */
  pool?: BacktestPool;
  /** put the live RiskEngine in front of every entry (default: no gate, as backtesting.py) */
  risk?: RiskGateSpec;
}

/**
 * Bundled (electron/build.mjs turns *.worker.ts into dist/workers/*.cjs) the worker is the built
 * file; from sources (tsx, vitest: this file is .ts) a small bootstrap loads the .ts worker through
 * tsx's API, because Node 20 does not pass --import loaders on to worker threads.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./workers/backtest.worker.cjs', here));
  const source = new URL('./backtest.worker.ts', here).href;
  const boot = `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(source)}, ${JSON.stringify(here)}))`;
  return new Worker(boot, { eval: true });
}

export type WorkerRequest = { id: number; bars: SharedBars; job: BacktestJob };
export type WorkerReply =
  | { type: 'ready' }
  /** one unit done; with done/total, a single job's own progress (a backtest's bars) */
  | { id: number; type: 'progress'; done?: number; total?: number }
  | { id: number; type: 'result'; result: BacktestJobResult }
  | { id: number; type: 'error'; name: string; message: string };

/** one runJobs call: its jobs, where it is, and how it ends */
interface Call {
  readonly jobs: BacktestJob[];
  readonly bars: SharedBars;
  readonly limit: number;
  readonly results: BacktestJobResult[];
  next: number;
  finished: number;
  inFlight: number;
  settled: boolean;
  readonly tick: (done?: number, total?: number) => void;
  readonly resolve: (r: BacktestJobResult[]) => void;
  readonly reject: (e: Error) => void;
}

interface Task {
  id: number;
  call: Call;
  index: number;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  ready: Promise<void>;
}

export interface PoolOptions {
  /** workers kept at most (default: available cores); a call asking for more grows the pool to that */
  size?: number;
  /** idle time after which every worker is stopped (default 60 s) */
  idleMs?: number;
}

export class BacktestPool {
  readonly size: number;
  private readonly idleMs: number;
  private slots: Slot[] = [];
  private queue: Task[] = [];
  private nextId = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(opts: PoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? availableParallelism());
    this.idleMs = opts.idleMs ?? 60_000;
  }

  /** workers currently started (tests and the bench look) */
  get workerCount(): number {
    return this.slots.length;
  }

  /** starts workers up to `count` (default: the pool's size) and waits until each has loaded its code */
  async warm(count = this.size): Promise<void> {
    if (this.closed) throw new Error('the backtest worker pool is shut down');
    while (this.slots.length < count) this.addSlot();
    await Promise.all(this.slots.map((s) => s.ready));
    this.armIdleTimer();
  }

  /** stops every worker; queued and running calls reject with CancelledError */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.stopAll();
  }

  run(cols: BarColumns, jobs: BacktestJob[], units: number, opts: ParallelOptions): Promise<BacktestJobResult[]> {
    if (this.closed) return Promise.reject(new CancelledError('backtest job (the worker pool is shut down)'));
    if (opts.signal?.aborted) return Promise.reject(new CancelledError('backtest job'));
    if (jobs.length === 0) return Promise.resolve([]);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    return new Promise<BacktestJobResult[]>((resolve, reject) => {
      let done = 0;
      const onAbort = (): void => this.fail(call, new CancelledError('backtest job'));
      const call: Call = {
        jobs,
        bars: shareColumns(cols),
        limit: Math.max(1, Math.min(opts.workers ?? this.size, jobs.length)),
        results: new Array<BacktestJobResult>(jobs.length),
        next: 0,
        finished: 0,
        inFlight: 0,
        settled: false,
        // a job that reports its own done/total (a backtest's bars) is forwarded as it is
        tick: (d, total) => (d === undefined || total === undefined ? opts.onProgress?.(++done, units) : opts.onProgress?.(d, total)),
        resolve: (r) => {
          opts.signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          opts.signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.enqueue(call);
      this.dispatch();
    });
  }

  private addSlot(): Slot {
    const worker = startWorker();
    let markReady = (): void => undefined;
    const slot: Slot = { worker, task: null, ready: new Promise<void>((r) => (markReady = r)) };
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') {
        markReady();
        if (slot.task === null) worker.unref();
      } else this.onReply(slot, m);
    });
    // a crashed worker fails the call it was working for; the pool starts another on demand
    const lost = (e: Error): void => {
      if (!this.slots.includes(slot)) return;
      this.slots = this.slots.filter((s) => s !== slot);
      markReady();
      const task = slot.task;
      slot.task = null;
      if (task) this.fail(task.call, e);
      this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`a backtest worker exited unexpectedly (code ${code})`)));
    // referenced until it has loaded (warm() may be awaiting it); idle after that, it must not keep the process alive
    this.slots.push(slot);
    return slot;
  }

  /** puts the call's next jobs in the queue, up to its own limit of jobs at once */
  private enqueue(call: Call): void {
    while (!call.settled && call.inFlight < call.limit && call.next < call.jobs.length) {
      call.inFlight++;
      this.queue.push({ id: this.nextId++, call, index: call.next++ });
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const task = this.queue[0]!;
      const cap = Math.max(this.size, task.call.limit);
      const slot = this.slots.find((s) => s.task === null) ?? (this.slots.length < cap ? this.addSlot() : undefined);
      if (!slot) return;
      this.queue.shift();
      slot.task = task;
      // a busy worker keeps the process alive (its result is awaited); an idle one must not
      slot.worker.ref();
      const request: WorkerRequest = { id: task.id, bars: task.call.bars, job: task.call.jobs[task.index]! };
      slot.worker.postMessage(request);
    }
  }

  private onReply(slot: Slot, m: Exclude<WorkerReply, { type: 'ready' }>): void {
    const task = slot.task;
    if (!task || task.id !== m.id) return;
    const call = task.call;
    if (m.type === 'progress') {
      if (!call.settled) call.tick(m.done, m.total);
      return;
    }
    slot.task = null;
    slot.worker.unref();
    call.inFlight--;
    if (m.type === 'error') {
      this.fail(call, m.name === 'LookaheadError' ? new LookaheadError(m.message) : new Error(m.message));
    } else if (!call.settled) {
      call.results[task.index] = m.result;
      if (++call.finished === call.jobs.length) {
        call.settled = true;
        call.resolve(call.results);
      } else this.enqueue(call);
    }
    this.dispatch();
    this.armIdleTimer();
  }

  /** ends a call: its queued jobs are dropped, the workers busy with it are stopped and replaced on demand */
  private fail(call: Call, e: Error): void {
    if (call.settled) return;
    call.settled = true;
    this.queue = this.queue.filter((t) => t.call !== call);
    const busy = this.slots.filter((s) => s.task?.call === call);
    this.slots = this.slots.filter((s) => !busy.includes(s));
    // the rejection waits until those workers are gone, so a cancelled run holds no thread after it
    void Promise.allSettled(busy.map((s) => s.worker.terminate())).then(() => {
      call.reject(e);
      this.dispatch();
      this.armIdleTimer();
    });
  }

  private armIdleTimer(): void {
    if (this.idleTimer || this.closed) return;
    if (this.queue.length > 0 || this.slots.some((s) => s.task !== null) || this.slots.length === 0) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.queue.length === 0 && this.slots.every((s) => s.task === null)) void this.stopAll();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private async stopAll(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const calls = new Set([...this.queue.map((t) => t.call), ...this.slots.flatMap((s) => (s.task ? [s.task.call] : []))]);
    for (const call of calls) this.fail(call, new CancelledError('backtest job (the worker pool is shut down)'));
    const slots = this.slots;
    this.slots = [];
    await Promise.allSettled(slots.map((s) => s.worker.terminate()));
  }
}

let shared: BacktestPool | null = null;

/** the process-wide pool the functions below use when the caller passes none */
export function sharedPool(): BacktestPool {
  shared ??= new BacktestPool();
  return shared;
}

function runJobs(cols: BarColumns, jobs: BacktestJob[], units: number, opts: ParallelOptions): Promise<BacktestJobResult[]> {
  return (opts.pool ?? sharedPool()).run(cols, jobs, units, opts);
}

/** split `items` into about `per` contiguous chunks per worker, so a free worker can take more */
function chunks<T>(items: readonly T[], workers: number, per = 4): T[][] {
  const size = Math.max(1, Math.ceil(items.length / (workers * per)));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const workersOf = (opts: ParallelOptions): number => opts.workers ?? opts.pool?.size ?? availableParallelism();

export async function runSweepParallel(cols: BarColumns, strategyId: string, points: readonly StrategyParams[], config: BacktestConfig, opts: ParallelOptions = {}): Promise<SweepPoint[]> {
  const jobs: BacktestJob[] = chunks(points, workersOf(opts)).map((p) => ({ kind: 'sweep', strategyId, points: p, config, risk: opts.risk }));
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
  const jobs: BacktestJob[] = chunks(windows, workersOf(opts), 1).map((w) => ({
    kind: 'walk-forward', strategyId, points: [...points], config, risk: opts.risk, spec, windows: w, objective: opts.objective ?? 'sharpe', audit: opts.audit ?? true,
  }));
  const results = (await runJobs(cols, jobs, windows.length, opts)).flatMap((r) => (r.kind === 'walk-forward' ? r.windows : []));
  const positiveSharpe = results.filter((r) => r.test.sharpe > 0).length;
  return { windows: results, positiveSharpe, fractionPositiveSharpe: results.length ? positiveSharpe / results.length : 0 };
}

/** one backtest on one worker thread (progress: bars done of total, every 1% of them; cancel terminates it) */
export async function runBacktestInWorker(
  cols: BarColumns,
  spec: StrategySpec,
  config: BacktestConfig,
  opts: Omit<ParallelOptions, 'workers'> & { curvePoints?: number } = {},
): Promise<BacktestReport & { riskRefusals: RiskRefusals | null }> {
  const job: BacktestJob = { kind: 'backtest', spec, config, curvePoints: opts.curvePoints ?? DEFAULT_CURVE_POINTS, risk: opts.risk };
  const [result] = await runJobs(cols, [job], 1, { ...opts, workers: 1 });
  if (result?.kind !== 'backtest') throw new Error('backtest worker returned no report');
  return { ...result.report, riskRefusals: result.riskRefusals };
}

const NO_BARS: BarColumns = { length: 0, t: new Float64Array(0), o: new Float64Array(0), h: new Float64Array(0), l: new Float64Array(0), c: new Float64Array(0), v: new Float64Array(0) };

/** validates a CSV's text (engine/data/csv.ts) on a worker thread; a big file never stalls the caller */
export async function parseCsvInWorker(text: string, options: CsvParseOptions, opts: Omit<ParallelOptions, 'workers'> = {}): Promise<CsvColumnsResult> {
  const [result] = await runJobs(NO_BARS, [{ kind: 'parse-csv', text, options }], 1, { ...opts, workers: 1 });
  if (result?.kind !== 'parse-csv') throw new Error('CSV worker returned no result');
  return result.result;
}
