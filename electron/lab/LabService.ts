// The strategy lab, host side: serves the `lab:*` channels beside the engine. Every backtest,
// walk-forward, sweep and CSV validation runs on worker threads (engine/backtest/pool.ts), so
// the thread that runs risk and the kill switch never waits behind one; this thread only loads
// bars (binary chunks, milliseconds), starts the work, relays progress and saves the result.
// Persist first, then publish: `lab:finished` with a result is sent after the result is stored,
// and a cancelled or failed run stores nothing.
import { randomUUID } from 'node:crypto';
import {
  err,
  isLabChannel,
  ok,
  parseRequest,
  type EngineEvent,
  type EventName,
  type EventTypes,
  type LabChannel,
  type RequestPayload,
  type Result,
  type ResultTypes,
} from '../../engine/api/contract';
import { LAB_CURVE_POINTS, type LabCatalogue, type LabRunFinished, type LabRunKind, type LabRunStatus, type LabSetup, type StrategySpec } from '../../engine/api/lab';
import type { BarColumns } from '../../engine/backtest/columns';
import { BacktestConfigError } from '../../engine/backtest/config';
import { BacktestPool, runBacktestInWorker, runSweepParallel, runWalkForwardParallel } from '../../engine/backtest/pool';
import { CancelledError, gridPoints, validPoints } from '../../engine/backtest/sweep';
import type { BacktestConfig } from '../../engine/backtest/types';
import { walkForwardWindows, type Objective } from '../../engine/backtest/walkForward';
import { systemClock, type Clock } from '../../engine/ports';
import { DEFAULT_RISK } from '../../engine/defaults';
import type { RiskSettings } from '../../engine/domain/types';
import type { RiskGateSpec } from '../../engine/backtest/jobs';
import { assertNever } from '../../engine/util/assert';
import { StrategyParamError, validateParams } from '../../engine/strategies/params';
import { REGIMES } from '../../engine/strategies/regime';
import { STRATEGY_REGISTRY, strategyDefinition, UnknownStrategyError } from '../../engine/strategies/registry';
import { errorMessage, type HostLog } from '../hosted-engine';
import { datasetNameFor, importCsv, ImportRequestError } from './csvImport';
import { chartBars, DatasetCatalog, UnknownDatasetError, type CachedSymbol, type LabStore, type PinnedDataset } from './datasets';
import { backtestResult, sweepResult, walkForwardResult, type SummaryBase } from './results';
import type { SavedLabResult } from '../../db/repositories/lab';

export interface LabServiceOptions {
  store: LabStore;
  /** symbols whose cached bars are datasets (the simulator's instruments) */
  cachedSymbols: () => readonly CachedSymbol[];
  clock?: Clock;
  log?: HostLog;
  /** worker threads per sweep / walk-forward (default: the machine's cores) */
  workers?: number;
  /** the app's current risk settings, read when a run starts (default: the defaults) */
  riskSettings?: () => RiskSettings;
  /** least time between two progress events of one run (default 100 ms); the last unit is always sent */
  progressIntervalMs?: number;
}

/** a request the lab refuses for what it asks (too few bars, an empty grid): the message says why */
class LabRequestError extends Error {
  override readonly name = 'LabRequestError';
}

/** runs a check of the engine's that throws RangeError for a bad request, as a LabRequestError */
function refuseRange<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof RangeError) throw new LabRequestError(e.message);
    throw e;
  }
}

type Handlers = { [C in LabChannel]: (p: RequestPayload<C>) => Promise<Result<ResultTypes[C]>> | Result<ResultTypes[C]> };

interface ActiveRun {
  status: LabRunStatus;
  abort: AbortController;
  finished: Promise<void>;
}

/** the work of one run: computes on workers (or throws CancelledError), then builds what to save from the summary base */
type RunWork = (cols: BarColumns, ctl: { signal: AbortSignal; onProgress: (done: number, total: number) => void }) => Promise<(base: SummaryBase) => SavedLabResult>;

/** what a run's summary says about it besides its id, name and timing */
type RunMeta = Pick<SummaryBase, 'strategyId' | 'strategy' | 'setup'>;

/** the fields every run request shares */
type SetupPayload = Pick<RequestPayload<'lab:run_backtest'>, 'dataset' | 'cash' | 'costs' | 'sizing' | 'allowShort' | 'riskGate'>;

function backtestConfig(p: SetupPayload, qtyStep: number): BacktestConfig {
  return {
    cash: p.cash,
    commission: p.costs.commission,
    slippage: p.costs.slippage,
    sizing: p.sizing,
    allowShort: p.allowShort,
    qtyStep,
    closeAtEnd: 'last-open',
  };
}

const paramsText = (params: Record<string, number>): string => Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ');

function strategyLabel(spec: StrategySpec): string {
  switch (spec.kind) {
    case 'single':
      return `${spec.id} ${paramsText(spec.params)}${spec.regime ? ` @${spec.regime.allowed.join('+')}` : ''}`.trim();
    case 'ensemble':
      return `ensemble(${spec.mode.kind}: ${spec.members.map((m) => m.id).join(', ')})`;
    default:
      return assertNever(spec, 'strategy spec');
  }
}

export class LabService {
  private readonly store: LabStore;
  private readonly datasets: DatasetCatalog;
  private readonly clock: Clock;
  private readonly log: HostLog;
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly runs = new Map<string, ActiveRun>();
  private readonly imports = new Map<string, Promise<unknown>>();
  /** aborts imports in progress at shutdown */
  private readonly closing = new AbortController();
  private readonly handlers: Handlers;
  /** the lab's worker threads, started on its first run and reused by every later one */
  private readonly pool: BacktestPool;
  private closed = false;

  constructor(private readonly opts: LabServiceOptions) {
    this.store = opts.store;
    this.datasets = new DatasetCatalog(opts.store, opts.cachedSymbols);
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? (() => undefined);
    this.pool = new BacktestPool({ size: opts.workers });
    const discarded = this.store.lab.discardIncompleteDatasets();
    if (discarded > 0) this.log('warn', `lab: discarded ${discarded} CSV import(s) interrupted before they completed`);
    this.handlers = this.makeHandlers();
  }

  /** validates channel + payload with the contract's schemas; never throws */
  async dispatch(channel: unknown, payload: unknown): Promise<Result<unknown>> {
    const parsed = parseRequest(channel, payload);
    if (!parsed.ok) return parsed;
    if (!isLabChannel(parsed.channel)) return err('unknown_channel', `${parsed.channel} is not served by the lab`);
    if (this.closed) return err('internal', 'the lab is shutting down');
    try {
      const handler = this.handlers[parsed.channel] as (p: unknown) => Promise<Result<unknown>> | Result<unknown>;
      return await handler(parsed.payload);
    } catch (e) {
      return this.failure(e, parsed.channel);
    }
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** cancels every run and import in progress and waits until their workers are gone */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    for (const run of this.runs.values()) run.abort.abort();
    await Promise.allSettled([...[...this.runs.values()].map((r) => r.finished), ...this.imports.values()]);
    await this.pool.shutdown();
  }

  /** runs in progress (tests wait on these; the UI asks lab:runs) */
  activeRuns(): LabRunStatus[] {
    return [...this.runs.values()].map((r) => ({ ...r.status }));
  }

  private emit<E extends EventName>(name: E, payload: EventTypes[E]): void {
    const event = { name, payload } as EngineEvent;
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (e) {
        // one failing subscriber must not starve the others
        this.log('error', `lab event listener for ${name} threw`, e);
      }
    }
  }

  private failure(e: unknown, channel: string): Result<never> {
    if (e instanceof UnknownDatasetError) return err('not_found', e.message);
    if (e instanceof ImportRequestError) return err(e.code, e.message);
    if (e instanceof StrategyParamError || e instanceof BacktestConfigError || e instanceof UnknownStrategyError || e instanceof LabRequestError) {
      return err('invalid_request', `invalid ${channel} request: ${e.message}`);
    }
    this.log('error', `lab: ${channel} failed`, e);
    return err('internal', `the lab failed while handling ${channel}: ${errorMessage(e)}`);
  }

  private makeHandlers(): Handlers {
    return {
      'lab:catalogue': () => ok(this.catalogue()),
      'lab:datasets': () => ok(this.datasets.list()),
      'lab:import_csv': (p) => this.importCsv(p),
      'lab:delete_dataset': ({ dataset }) => {
        if (!dataset.startsWith('csv:')) return err('invalid_request', `${dataset} is the simulator's own history; only imported CSV datasets can be deleted`);
        if (!this.store.lab.deleteDataset(dataset)) return err('not_found', `no imported dataset "${dataset}"`);
        this.emit('lab:datasets_changed', { ids: [dataset] });
        return ok({ deleted: dataset });
      },
      'lab:dataset_bars': ({ dataset, fromT, toT, maxBars }) => {
        const pinned = this.datasets.pin(dataset);
        return ok(chartBars(dataset, pinned.load(), maxBars, fromT, toT));
      },
      'lab:run_backtest': (p) => this.startBacktest(p),
      'lab:run_walk_forward': (p) => this.startWalkForward(p),
      'lab:run_sweep': (p) => this.startSweep(p),
      'lab:cancel': ({ runId }) => {
        const run = this.runs.get(runId);
        if (!run) return err('not_found', `no lab run "${runId}" in progress (it may have finished; see lab:results)`);
        run.abort.abort();
        return ok({ runId, cancelled: true });
      },
      'lab:runs': () => ok(this.activeRuns()),
      'lab:results': ({ kind, limit }) => ok(this.store.lab.listResults(kind, limit)),
      'lab:result': ({ id }) => {
        const r = this.store.lab.getResult(id);
        return r ? ok(r) : err('not_found', `no saved lab result "${id}"`);
      },
      'lab:delete_result': ({ id }) => {
        if (!this.store.lab.deleteResult(id)) return err('not_found', `no saved lab result "${id}"`);
        this.emit('lab:results_changed', { ids: [id] });
        return ok({ deleted: id });
      },
    };
  }

  private catalogue(): LabCatalogue {
    return {
      strategies: [...STRATEGY_REGISTRY.values()].map((d) => ({ id: d.id, name: d.name, description: d.description, params: [...d.params] })),
      regimes: [...REGIMES],
    };
  }

  private async importCsv(p: RequestPayload<'lab:import_csv'>): Promise<Result<ResultTypes['lab:import_csv']>> {
    // one import per dataset name at a time: a second would replace the first as it lands
    const key = p.name ?? datasetNameFor(p.path);
    if (this.imports.has(key)) return err('conflict', `${key} is being imported already`);
    const work = importCsv(this.store, p, {
      now: () => this.clock.now(),
      signal: this.closing.signal,
      pool: this.pool,
      onImported: (id) => this.emit('lab:datasets_changed', { ids: [id] }),
    });
    this.imports.set(key, work);
    try {
      return ok(await work);
    } finally {
      this.imports.delete(key);
    }
  }

  // ---------- runs ----------

  private setupOf(p: SetupPayload, pinned: PinnedDataset): LabSetup {
    return {
      dataset: pinned.info.id,
      datasetName: pinned.info.name,
      bars: pinned.info.bars,
      fromT: pinned.info.firstT ?? 0,
      toT: pinned.info.lastT ?? 0,
      cash: p.cash,
      costs: p.costs,
      sizing: p.sizing,
      allowShort: p.allowShort,
      riskGate: p.riskGate,
    };
  }

  /** the live RiskEngine's inputs for a run that asks for the gate, read now so the run uses today's limits */
  private riskOf(p: SetupPayload, pinned: PinnedDataset): RiskGateSpec | undefined {
    if (!p.riskGate) return undefined;
    return { settings: { ...(this.opts.riskSettings?.() ?? DEFAULT_RISK) }, instrument: pinned.instrument };
  }

  private pinForRun(dataset: string, minBars: number): PinnedDataset {
    const pinned = this.datasets.pin(dataset);
    if (pinned.info.bars < minBars) throw new LabRequestError(`dataset ${dataset} has ${pinned.info.bars} bars; this run needs at least ${minBars}`);
    return pinned;
  }

  private startBacktest(p: RequestPayload<'lab:run_backtest'>): Result<LabRunStatus> {
    const pinned = this.pinForRun(p.dataset, 2);
    const config = backtestConfig(p, pinned.qtyStep);
    const risk = this.riskOf(p, pinned);
    const strategyId = p.strategy.kind === 'single' ? p.strategy.id : 'ensemble';
    const name = p.name ?? `${strategyLabel(p.strategy)} on ${pinned.info.id}`;
    return this.start('backtest', name, pinned, { strategyId, strategy: p.strategy, setup: this.setupOf(p, pinned) }, async (cols, ctl) => {
      const report = await runBacktestInWorker(cols, p.strategy, config, { ...ctl, pool: this.pool, risk, curvePoints: LAB_CURVE_POINTS });
      return (summary) => backtestResult(summary, report);
    });
  }

  /** the grid's valid points (defaults filled); invalid combinations (fast >= slow) are skipped, saying why */
  private points(strategyId: string, params: Record<string, number>, grid: Record<string, number[]>) {
    const base = validateParams(strategyId, strategyDefinition(strategyId).params, params);
    const { valid, invalid } = refuseRange(() => validPoints(strategyId, gridPoints(grid, base)));
    if (valid.length === 0) throw new LabRequestError(`no valid parameter combination in the grid: ${invalid[0]?.reason ?? 'it is empty'}`);
    return { base, valid, invalid };
  }

  private startWalkForward(p: RequestPayload<'lab:run_walk_forward'>): Result<LabRunStatus> {
    const pinned = this.pinForRun(p.dataset, 2);
    const spec = { trainBars: p.trainBars, testBars: p.testBars, stepBars: p.stepBars ?? p.testBars, anchored: p.anchored };
    // refuses (naming the bars available) before any worker starts
    const windows = refuseRange(() => walkForwardWindows(pinned.info.bars, spec)).length;
    const { base, valid } = this.points(p.strategyId, p.params, p.grid);
    const config = backtestConfig(p, pinned.qtyStep);
    const risk = this.riskOf(p, pinned);
    const objective: Objective = p.objective;
    const name = p.name ?? `Walk-forward ${p.strategyId} (${windows} windows, ${valid.length} point${valid.length === 1 ? '' : 's'}) on ${pinned.info.id}`;
    const strategy: StrategySpec = { kind: 'single', id: p.strategyId, params: base };
    return this.start('walk-forward', name, pinned, { strategyId: p.strategyId, strategy, setup: this.setupOf(p, pinned) }, async (cols, ctl) => {
      const wf = await runWalkForwardParallel(cols, p.strategyId, valid, spec, config, { ...ctl, objective, pool: this.pool, risk });
      return (summary) => walkForwardResult(summary, wf, cols, { ...spec, objective, gridPoints: valid.length });
    });
  }

  private startSweep(p: RequestPayload<'lab:run_sweep'>): Result<LabRunStatus> {
    const pinned = this.pinForRun(p.dataset, 2);
    const { base, valid, invalid } = this.points(p.strategyId, p.params, p.grid);
    const config = backtestConfig(p, pinned.qtyStep);
    const risk = this.riskOf(p, pinned);
    const name = p.name ?? `Sweep ${p.strategyId} (${valid.length} points) on ${pinned.info.id}`;
    const strategy: StrategySpec = { kind: 'single', id: p.strategyId, params: base };
    return this.start('sweep', name, pinned, { strategyId: p.strategyId, strategy, setup: this.setupOf(p, pinned) }, async (cols, ctl) => {
      const points = await runSweepParallel(cols, p.strategyId, valid, config, { ...ctl, pool: this.pool, risk });
      return (summary) => sweepResult(summary, points, invalid, p.objective);
    });
  }

  /**
   * Starts a run and answers at once with its status; the work continues on worker threads.
   * One run of each kind at a time: a second is refused (the user cancels or waits).
   */
  private start(
    kind: LabRunKind,
    name: string,
    pinned: PinnedDataset,
    meta: RunMeta,
    work: RunWork,
  ): Result<LabRunStatus> {
    const busy = [...this.runs.values()].find((r) => r.status.kind === kind);
    if (busy) return err('conflict', `a ${kind} is already running ("${busy.status.name}"): cancel it or wait for it to finish`);
    const startedAt = this.clock.now();
    const runId = `${kind}-${startedAt.toString(36)}-${randomUUID().slice(0, 8)}`;
    const status: LabRunStatus = { runId, kind, name, dataset: pinned.info.id, phase: 'loading', done: 0, total: 1, startedAt };
    const abort = new AbortController();
    const run: ActiveRun = { status, abort, finished: Promise.resolve() };
    this.runs.set(runId, run);
    run.finished = this.execute(run, pinned, meta, work);
    this.emit('lab:progress', { ...status });
    return ok({ ...status });
  }

  private async execute(run: ActiveRun, pinned: PinnedDataset, meta: RunMeta, work: RunWork): Promise<void> {
    const { status, abort } = run;
    const interval = this.opts.progressIntervalMs ?? 100;
    let lastSent = 0;
    const progress = (done: number, total: number): void => {
      status.phase = 'running';
      status.done = done;
      status.total = total;
      const now = this.clock.now();
      if (done === total || now - lastSent >= interval) {
        lastSent = now;
        this.emit('lab:progress', { ...status });
      }
    };
    let finished: LabRunFinished;
    try {
      // answer the request first: the work starts on the next turn
      await new Promise<void>((r) => setImmediate(r));
      if (abort.signal.aborted) throw new CancelledError(status.kind);
      const cols = pinned.load();
      status.phase = 'running';
      this.emit('lab:progress', { ...status });
      const build = await work(cols, { signal: abort.signal, onProgress: progress });
      // a cancel that arrives after the workers finished still wins: nothing is saved
      if (abort.signal.aborted) throw new CancelledError(status.kind);
      status.phase = 'saving';
      this.emit('lab:progress', { ...status });
      const saved = build({ ...meta, id: status.runId, kind: status.kind, name: status.name, createdAt: status.startedAt, durationMs: this.clock.now() - status.startedAt });
      this.store.lab.saveResult(saved);
      finished = { runId: status.runId, kind: status.kind, name: status.name, status: 'done', message: `saved "${status.name}"`, result: saved.summary, finishedAt: this.clock.now() };
    } catch (e) {
      const cancelled = e instanceof CancelledError || abort.signal.aborted;
      if (!cancelled) this.log('error', `lab: ${status.kind} "${status.name}" failed`, e);
      finished = {
        runId: status.runId,
        kind: status.kind,
        name: status.name,
        status: cancelled ? 'cancelled' : 'failed',
        message: cancelled ? `${status.kind} cancelled: nothing was saved` : `${status.kind} failed: ${errorMessage(e)}`,
        result: null,
        finishedAt: this.clock.now(),
      };
    } finally {
      this.runs.delete(status.runId);
    }
    this.emit('lab:finished', finished);
    if (finished.result) this.emit('lab:results_changed', { ids: [finished.result.id] });
  }
}
