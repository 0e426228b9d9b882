// The lab service on a real store in a temp directory, its work on real worker threads:
// GOOG imported by its path reproduces the reference backtest (94 trades, final equity
// 55574.51) and is saved and listed; a CSV with bad lines is refused with its per-line report;
// unknown datasets and bad parameters are refused by name; a cancelled sweep stops early and
// leaves nothing saved; a walk-forward is saved and becomes readiness evidence.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RISK } from '../../../engine/defaults';
import type { EngineEvent, Result } from '../../../engine/api/contract';
import type { LabImportResult, LabResult, LabResultSummary, LabRunFinished, LabRunStatus } from '../../../engine/api/lab';
import { parseTimestamp } from '../../../engine/data/csv';
import { SqliteStore } from '../../../db/SqliteStore';
import { LabService } from '../../../electron/lab/LabService';
import { sharedCsvPath, sharedDataAvailable } from '../../unit/data/sharedData';
import { loadReference } from '../../unit/backtest/reference';
import { syntheticColumns } from '../../unit/backtest/synthetic';

const have = sharedDataAvailable('lab service integration on GOOG (../shared/data/GOOG.csv)');

let dir: string;
let store: SqliteStore;
let lab: LabService;
const events: EngineEvent[] = [];

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

function finishedOf(runId: string, timeoutMs = 60_000): Promise<LabRunFinished> {
  return new Promise((resolve, reject) => {
    const seen = events.find((e) => e.name === 'lab:finished' && e.payload.runId === runId);
    if (seen?.name === 'lab:finished') return resolve(seen.payload);
    const timer = setTimeout(() => reject(new Error(`run ${runId} did not finish within ${timeoutMs} ms`)), timeoutMs);
    const stop = lab.subscribe((e) => {
      if (e.name === 'lab:finished' && e.payload.runId === runId) {
        clearTimeout(timer);
        stop();
        resolve(e.payload);
      }
    });
  });
}

const gooCosts = { commission: { pct: 0.002 }, slippage: { kind: 'none' } };

describe.skipIf(!have)('LabService on a real store and worker threads', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lab-service-'));
    store = SqliteStore.open(dir);
    lab = new LabService({ store, cachedSymbols: () => [], workers: 2, progressIntervalMs: 0 });
    lab.subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    await lab?.shutdown();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports GOOG.csv by its path into a dataset of 2148 daily bars', async () => {
    const r = value<LabImportResult>(await lab.dispatch('lab:import_csv', { path: sharedCsvPath('GOOG') }));
    expect(r.status).toBe('imported');
    if (r.status !== 'imported') return;
    expect(r.dataset).toMatchObject({ id: 'csv:GOOG', source: 'csv', bars: 2148, intervalMs: 86_400_000 });
    expect(value<{ id: string }[]>(await lab.dispatch('lab:datasets', {})).map((d) => d.id)).toEqual(['csv:GOOG']);
    // a second import under the same name is refused unless asked to replace
    const again = await lab.dispatch('lab:import_csv', { path: sharedCsvPath('GOOG') });
    expect(again.ok ? null : again.error.code).toBe('conflict');
  });

  it('a backtest of SMA(10/20) on it reproduces the reference: 94 trades, final equity 55574.51; saved and listed', async () => {
    const started = value<LabRunStatus>(
      await lab.dispatch('lab:run_backtest', {
        dataset: 'csv:GOOG',
        strategy: { kind: 'single', id: 'sma-cross', params: { fast: 10, slow: 20 } },
        cash: 10_000,
        costs: gooCosts,
        sizing: { kind: 'all-in' },
        allowShort: true,
        // the reference (backtesting.py) knows no risk limits: reproduced without the live gate
        riskGate: false,
        name: 'GOOG reference',
      }),
    );
    expect(started).toMatchObject({ kind: 'backtest', phase: 'loading', dataset: 'csv:GOOG' });
    const done = await finishedOf(started.runId);
    expect(done.status).toBe('done');
    const phases = events.filter((e) => e.name === 'lab:progress' && e.payload.runId === started.runId).map((e) => (e.name === 'lab:progress' ? e.payload.phase : ''));
    expect(phases).toEqual(expect.arrayContaining(['loading', 'running', 'saving']));

    const result = value<LabResult>(await lab.dispatch('lab:result', { id: started.runId }));
    if (result.kind !== 'backtest') throw new Error(`expected a backtest, got ${result.kind}`);
    const ref = loadReference();
    expect(result.trades).toHaveLength(94);
    expect(result.summary.metrics?.trades).toBe(94);
    expect(Math.abs(result.summary.metrics!.finalEquity! - 55574.51)).toBeLessThan(0.005);
    expect(Math.abs(result.summary.metrics!.finalEquity! - Number(ref.stats['Equity Final [$]']))).toBeLessThan(0.005);
    result.trades.forEach((t, i) => {
      const r = ref.trades[i]!;
      expect([t.side, t.size, t.entryTime, t.exitTime, t.entryPrice, t.exitPrice]).toEqual([r.side, r.size, parseTimestamp(r.entryTime), parseTimestamp(r.exitTime), r.entryPrice, r.exitPrice]);
    });
    // curves come downsampled to at most the UI's budget, starting at the initial cash
    expect(result.equity.length).toBeLessThanOrEqual(2000);
    expect(result.equity[0]!.v).toBe(10_000);
    expect(Math.min(...result.drawdown.map((p) => p.v))).toBeCloseTo(-result.summary.metrics!.maxDrawdown!, 12);

    const listed = value<LabResultSummary[]>(await lab.dispatch('lab:results', {}));
    expect(listed.map((r) => r.id)).toContain(started.runId);
    expect(listed.find((r) => r.id === started.runId)?.name).toBe('GOOG reference');
    // saved in the store itself, not only in memory
    expect(store.lab.getResult(started.runId)?.summary.metrics?.trades).toBe(94);
  });

  it('a CSV with bad lines is refused with its per-line report, and nothing is stored', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, ['Date,Open,High,Low,Close,Volume', '2024-01-02,10,11,9,10.5,100', '2024-01-03,10,abc,9,10,100', '2024-01-04,10,11,9,-3,100', '2024-01-05,10,11,9,10,100'].join('\n'));
    const r = value<LabImportResult>(await lab.dispatch('lab:import_csv', { path: file }));
    expect(r.status).toBe('refused');
    expect(r.issues.map((i) => [i.line, i.kind, i.action])).toEqual([
      [3, 'unparsable_number', 'refused'],
      [4, 'non_positive_price', 'refused'],
    ]);
    expect(value<{ id: string }[]>(await lab.dispatch('lab:datasets', {})).map((d) => d.id)).toEqual(['csv:GOOG']);

    // asked to repair, the same file is imported without those lines, each one reported as dropped
    const repaired = value<LabImportResult>(await lab.dispatch('lab:import_csv', { path: file, repair: true }));
    expect(repaired.status).toBe('imported');
    expect(repaired.issues.map((i) => [i.line, i.action])).toEqual([[3, 'dropped'], [4, 'dropped']]);
    expect(repaired.status === 'imported' && repaired.dataset.bars).toBe(2);
    value(await lab.dispatch('lab:delete_dataset', { dataset: 'csv:bad' }));
  });

  it('a missing file, an unknown dataset and a bad parameter are refused with messages that say what to do', async () => {
    const missing = await lab.dispatch('lab:import_csv', { path: join(dir, 'nope.csv') });
    expect(missing.ok ? null : missing.error).toMatchObject({ code: 'not_found', message: expect.stringMatching(/cannot read .*nope\.csv: ENOENT/) });

    const unknown = await lab.dispatch('lab:run_backtest', { dataset: 'csv:MSFT', strategy: { kind: 'single', id: 'sma-cross', params: {} } });
    expect(unknown.ok ? null : unknown.error).toMatchObject({ code: 'not_found', message: 'unknown dataset "csv:MSFT"; choose one of csv:GOOG' });

    const bad = await lab.dispatch('lab:run_backtest', { dataset: 'csv:GOOG', strategy: { kind: 'single', id: 'macd-trend', params: { signal: 80 } } });
    expect(bad.ok ? null : bad.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/signal \(Signal EMA period\) must be a whole number between 2 and 50, got 80/) });

    const tooShort = await lab.dispatch('lab:run_walk_forward', { dataset: 'csv:GOOG', strategyId: 'sma-cross', trainBars: 2000, testBars: 500 });
    expect(tooShort.ok ? null : tooShort.error.message).toMatch(/trainBars \+ testBars \(2500\) <= the 2148 bars available/);
    expect(lab.activeRuns()).toEqual([]);
  });

  it('cancel stops a long sweep part way; nothing is saved and the run is gone', async () => {
    // a synthetic minute series long enough that the sweep takes many seconds
    const cols = syntheticColumns(150_000, 5);
    const lines = ['Time,Open,High,Low,Close,Volume'];
    for (let i = 0; i < cols.length; i++) lines.push(`${cols.t[i]},${cols.o[i]},${cols.h[i]},${cols.l[i]},${cols.c[i]},${cols.v[i]}`);
    const file = join(dir, 'LONG.csv');
    writeFileSync(file, lines.join('\n'));
    expect(value<LabImportResult>(await lab.dispatch('lab:import_csv', { path: file })).status).toBe('imported');

    const before = value<LabResultSummary[]>(await lab.dispatch('lab:results', {})).map((r) => r.id);
    const grid = { fast: [2, 3, 4, 5, 6, 7, 8, 9, 10, 12], slow: [20, 25, 30, 35, 40, 50, 60, 70, 80, 100] };
    const started = value<LabRunStatus>(await lab.dispatch('lab:run_sweep', { dataset: 'csv:LONG', strategyId: 'sma-cross', grid, costs: { commission: { pct: 0.001 } } }));
    expect(started.total).toBe(1);
    // a second sweep while this one runs is refused, naming it
    const second = await lab.dispatch('lab:run_sweep', { dataset: 'csv:GOOG', strategyId: 'sma-cross', grid: { fast: [5] } });
    expect(second.ok ? null : second.error).toMatchObject({ code: 'conflict', message: expect.stringContaining(started.name) });

    // wait until the sweep is part way through, then cancel
    await new Promise<void>((resolve) => {
      const stop = lab.subscribe((e) => {
        if (e.name === 'lab:progress' && e.payload.runId === started.runId && e.payload.done >= 1) {
          stop();
          resolve();
        }
      });
    });
    const progressed = lab.activeRuns().find((r) => r.runId === started.runId);
    expect(progressed?.total).toBe(100);
    expect(progressed!.done).toBeLessThan(100);
    const t0 = Date.now();
    expect(value<{ cancelled: boolean }>(await lab.dispatch('lab:cancel', { runId: started.runId })).cancelled).toBe(true);
    const finished = await finishedOf(started.runId, 10_000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(finished).toMatchObject({ status: 'cancelled', result: null });

    expect(value<LabResultSummary[]>(await lab.dispatch('lab:results', {})).map((r) => r.id)).toEqual(before);
    expect(store.lab.getResult(started.runId)).toBeNull();
    expect(value<LabRunStatus[]>(await lab.dispatch('lab:runs', {}))).toEqual([]);
    const gone = await lab.dispatch('lab:cancel', { runId: started.runId });
    expect(gone.ok ? null : gone.error.code).toBe('not_found');
  });

  it('a walk-forward on GOOG runs on the workers, is saved, and the store reads it back as readiness evidence', async () => {
    const started = value<LabRunStatus>(
      await lab.dispatch('lab:run_walk_forward', {
        dataset: 'csv:GOOG',
        strategyId: 'sma-cross',
        grid: { fast: [5, 10], slow: [20, 30] },
        trainBars: 500,
        testBars: 250,
        costs: gooCosts,
        allowShort: true,
      }),
    );
    const done = await finishedOf(started.runId);
    expect(done.status).toBe('done');
    expect(done.result?.walkForward).toMatchObject({ windows: 6, trainBars: 500, testBars: 250, gridPoints: 4 });
    const result = value<LabResult>(await lab.dispatch('lab:result', { id: started.runId }));
    if (result.kind !== 'walk-forward') throw new Error(`expected a walk-forward, got ${result.kind}`);
    expect(result.windows.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const w of result.windows) expect(w.trainToT).toBeLessThan(w.testFromT);

    const evidence = store.latestLabEvidence('sma-cross');
    expect(evidence.walkForward).toMatchObject({ resultId: started.runId, windows: 6 });
    expect(evidence.backtest).toMatchObject({ trades: 94, afterCosts: true });
  });

  it('by default a backtest goes through the live RiskEngine: all-in entries over the position cap are refused, counted per rule', async () => {
    const gated = new LabService({ store, cachedSymbols: () => [], workers: 2, riskSettings: () => ({ ...DEFAULT_RISK, maxPositionNotionalPct: 0.5 }) });
    const finished: LabRunFinished[] = [];
    gated.subscribe((e) => {
      if (e.name === 'lab:finished') finished.push(e.payload);
    });
    const request = { dataset: 'csv:GOOG', strategy: { kind: 'single', id: 'sma-cross', params: { fast: 10, slow: 20 } }, cash: 10_000, costs: gooCosts, allowShort: true };
    try {
      // all-in sizing asks for 100% of equity: a 50% position cap refuses every entry, as live would
      const allIn = value<LabRunStatus>(await gated.dispatch('lab:run_backtest', { ...request, sizing: { kind: 'all-in' } }));
      await vi.waitFor(() => expect(finished.map((f) => f.runId)).toContain(allIn.runId), { timeout: 20_000 });
      const refused = store.lab.getResult(allIn.runId)!.summary;
      expect(refused.setup.riskGate).toBe(true);
      expect(refused.metrics?.trades).toBe(0);
      expect(refused.metrics?.riskRefused).toBeGreaterThan(0);
      expect(refused.riskRefusals).toEqual({ max_position_notional: refused.metrics?.riskRefused });

      // a fixed 40% fraction fits under the cap: the same signals trade, nothing is refused
      const fraction = value<LabRunStatus>(await gated.dispatch('lab:run_backtest', { ...request, sizing: { kind: 'fixed-fraction', fraction: 0.4 } }));
      await vi.waitFor(() => expect(finished.map((f) => f.runId)).toContain(fraction.runId), { timeout: 20_000 });
      const passed = store.lab.getResult(fraction.runId)!.summary;
      expect(passed.metrics?.trades).toBeGreaterThan(50);
      expect(passed.metrics?.riskRefused).toBe(0);
    } finally {
      await gated.shutdown();
    }
  });

  it('shutting the lab down mid-run stops the workers, saves nothing and refuses new requests', async () => {
    const second = new LabService({ store, cachedSymbols: () => [], workers: 2 });
    const finished: LabRunFinished[] = [];
    second.subscribe((e) => {
      if (e.name === 'lab:finished') finished.push(e.payload);
    });
    const before = store.lab.listResults(undefined, 1000).length;
    const started = value<LabRunStatus>(await second.dispatch('lab:run_sweep', { dataset: 'csv:LONG', strategyId: 'sma-cross', grid: { fast: [2, 3, 4, 5, 6], slow: [20, 30, 40, 50] } }));
    await second.shutdown();
    expect(finished).toMatchObject([{ runId: started.runId, status: 'cancelled', result: null }]);
    expect(store.lab.listResults(undefined, 1000)).toHaveLength(before);
    const after = await second.dispatch('lab:datasets', {});
    expect(after.ok ? null : after.error.message).toBe('the lab is shutting down');
  });

  it('the trade chart gets at most maxBars candles, merging consecutive bars', async () => {
    const r = value<{ bars: unknown[]; barsPerCandle: number }>(await lab.dispatch('lab:dataset_bars', { dataset: 'csv:GOOG', maxBars: 500 }));
    expect(r.barsPerCandle).toBe(5);
    expect(r.bars).toHaveLength(430);
  });
});
