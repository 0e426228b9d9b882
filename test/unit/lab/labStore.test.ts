// Migration 002 (the lab's tables) and the lab repository: it applies on a version-1 store
// keeping its data, and on an empty file; datasets appear only when published; results round
// trip and the readiness evidence reads the latest of each kind for a strategy.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { openDatabase } from '../../../db/open';
import { userVersion } from '../../../db/migrate';
import { storeMigrations } from '../../../db/migrations/store';
import { SqliteStore, STORE_FILE_NAME } from '../../../db/SqliteStore';
import type { LabResultSummary } from '../../../engine/api/lab';
import { makeTempDir } from '../db/fixtures';
import { syntheticColumns } from '../backtest/synthetic';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir('lab-store-')));
afterEach(() => cleanup());

const LAB_TABLES = ['lab_dataset_chunks', 'lab_datasets', 'lab_results'];
const tables = (db: Database): string[] => db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'lab_%' ORDER BY name").pluck().all() as string[];

function summary(over: Partial<LabResultSummary> = {}): LabResultSummary {
  return {
    id: 'r1',
    kind: 'backtest',
    name: 'run',
    createdAt: 1_700_000_000_000,
    durationMs: 12,
    strategyId: 'sma-cross',
    strategy: { kind: 'single', id: 'sma-cross', params: { fast: 10, slow: 20 } },
    setup: {
      dataset: 'csv:GOOG',
      datasetName: 'GOOG',
      bars: 100,
      fromT: 0,
      toT: 1,
      cash: 10_000,
      costs: { commission: { perShare: 0, pct: 0.002, fixed: 0 }, slippage: { kind: 'none' } },
      sizing: { kind: 'all-in' },
      allowShort: true,
    },
    metrics: null,
    walkForward: null,
    sweep: null,
    ...over,
  };
}

describe('store migration 2 (lab results)', () => {
  it('applies on a version-1 store: the lab tables appear and its data is kept', () => {
    const file = join(dir, STORE_FILE_NAME);
    const v1 = openDatabase(file, { migrations: { ...storeMigrations, migrations: storeMigrations.migrations.slice(0, 1) } });
    // SqliteStore itself needs the current schema: write a version-1 row directly
    v1.prepare("INSERT INTO settings (key, value) VALUES ('kept', '\"from v1\"')").run();
    expect(tables(v1)).toEqual([]);
    v1.close();

    const store = SqliteStore.open(dir);
    try {
      expect(store.getSetting<string>('kept')).toBe('from v1');
      const db = openDatabase(file, { migrations: storeMigrations, readonly: true });
      expect(userVersion(db)).toBe(2);
      expect(tables(db)).toEqual(LAB_TABLES);
      db.close();
    } finally {
      store.close();
    }
  });

  it('applies on an empty file together with migration 1', () => {
    const db = openDatabase(join(dir, 'empty.sqlite'), { migrations: storeMigrations });
    expect(userVersion(db)).toBe(2);
    expect(tables(db)).toEqual(LAB_TABLES);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});

describe('lab repository', () => {
  it('an imported dataset is invisible while importing, complete once published, and its bars round trip', () => {
    const store = SqliteStore.open(dir);
    try {
      const cols = syntheticColumns(5000, 3);
      store.lab.beginDataset({ tmpId: 'importing:1', sourcePath: '/data/x.csv', importedAt: 1, issueCount: 0, issues: [] });
      store.lab.appendDatasetChunk('importing:1', 0, cols, 0, 3000);
      store.lab.appendDatasetChunk('importing:1', 1, cols, 3000, 5000);
      expect(store.lab.listDatasets()).toEqual([]);
      store.lab.publishDataset('importing:1', { id: 'csv:X', name: 'X', barCount: 5000, firstT: cols.t[0]!, lastT: cols.t[4999]!, intervalMs: 60_000 });
      expect(store.lab.listDatasets().map((d) => [d.id, d.bars])).toEqual([['csv:X', 5000]]);
      const back = store.lab.loadDatasetColumns('csv:X');
      expect(back.length).toBe(5000);
      expect(Array.from(back.c)).toEqual(Array.from(cols.c));
      expect(Array.from(back.t)).toEqual(Array.from(cols.t));
    } finally {
      store.close();
    }
  });

  it('an interrupted import leaves nothing after discardIncompleteDatasets (chunks included)', () => {
    const store = SqliteStore.open(dir);
    try {
      const cols = syntheticColumns(100, 1);
      store.lab.beginDataset({ tmpId: 'importing:2', sourcePath: '/data/y.csv', importedAt: 1, issueCount: 0, issues: [] });
      store.lab.appendDatasetChunk('importing:2', 0, cols, 0, 100);
      expect(store.lab.discardIncompleteDatasets()).toBe(1);
      expect(store.lab.loadDatasetColumns('importing:2').length).toBe(0);
    } finally {
      store.close();
    }
  });

  it('publishing a dataset under an existing name replaces the old one in the same step', () => {
    const store = SqliteStore.open(dir);
    try {
      const a = syntheticColumns(50, 1);
      const b = syntheticColumns(80, 2);
      for (const [tmp, cols] of [['importing:a', a], ['importing:b', b]] as const) {
        store.lab.beginDataset({ tmpId: tmp, sourcePath: '/d.csv', importedAt: 1, issueCount: 0, issues: [] });
        store.lab.appendDatasetChunk(tmp, 0, cols, 0, cols.length);
        store.lab.publishDataset(tmp, { id: 'csv:D', name: 'D', barCount: cols.length, firstT: cols.t[0]!, lastT: cols.t[cols.length - 1]!, intervalMs: null });
      }
      expect(store.lab.listDatasets().map((d) => d.bars)).toEqual([80]);
      expect(store.lab.loadDatasetColumns('csv:D').length).toBe(80);
    } finally {
      store.close();
    }
  });

  it('results round trip; the evidence is the latest backtest and walk-forward of the strategy asked for', () => {
    const store = SqliteStore.open(dir);
    try {
      const metrics = { sharpe: 0.9, maxDrawdown: 0.15, winRate: 0.45, trades: 40 } as NonNullable<LabResultSummary['metrics']>;
      store.lab.saveResult({ summary: summary({ id: 'old', createdAt: 1, metrics }), detail: { trades: [], tradesTotal: 0, equity: [], drawdown: [] } });
      store.lab.saveResult({ summary: summary({ id: 'new', createdAt: 2, metrics: { ...metrics, sharpe: 1.2 } }), detail: { trades: [], tradesTotal: 0, equity: [{ t: 1, v: 2 }], drawdown: [] } });
      store.lab.saveResult({ summary: summary({ id: 'other', createdAt: 3, strategyId: 'macd-trend', metrics }), detail: {} });
      store.lab.saveResult({
        summary: summary({ id: 'wf', kind: 'walk-forward', createdAt: 4, walkForward: { windows: 6, positiveWindows: 4, meanTestSharpe: 0.3, trainBars: 500, testBars: 100, stepBars: 100, anchored: false, objective: 'sharpe', gridPoints: 1 } }),
        detail: { windows: [] },
      });
      expect(store.lab.listResults(undefined, 10).map((r) => r.id)).toEqual(['wf', 'other', 'new', 'old']);
      expect(store.lab.listResults('backtest', 10).map((r) => r.id)).toEqual(['other', 'new', 'old']);
      const opened = store.lab.getResult('new');
      expect(opened?.kind).toBe('backtest');
      expect(opened?.kind === 'backtest' && opened.equity).toEqual([{ t: 1, v: 2 }]);

      const ev = store.latestLabEvidence('sma-cross');
      expect(ev.backtest).toMatchObject({ resultId: 'new', sharpe: 1.2, trades: 40, afterCosts: true, params: { fast: 10, slow: 20 } });
      expect(ev.walkForward).toMatchObject({ resultId: 'wf', windows: 6, positiveWindows: 4 });
      expect(store.latestLabEvidence('rsi-mean-reversion')).toEqual({ backtest: null, walkForward: null });

      expect(store.lab.deleteResult('new')).toBe(true);
      expect(store.lab.deleteResult('new')).toBe(false);
      expect(store.latestLabEvidence('sma-cross').backtest?.resultId).toBe('old');
    } finally {
      store.close();
    }
  });

  it('the paper record: equity grouped by UTC date (first and last point of each), and the latest backtest curve of the strategy', () => {
    const store = SqliteStore.open(dir);
    try {
      expect(store.paperRecord('sma-cross')).toEqual({ days: [], backtest: null });
      const d1 = Date.UTC(2025, 2, 3);
      const d2 = Date.UTC(2025, 2, 4);
      // 23:59:59.999 and 00:00 the next day fall on different UTC dates; appended out of order
      for (const [t, equity] of [[d1 + 14 * 3_600_000, 100], [d2 - 1, 101], [d1 + 15 * 3_600_000, 99], [d2, 102], [d2 + 20 * 3_600_000, 104]] as const) {
        store.appendEquity({ t, equity, cash: equity });
      }
      const curve = [{ t: d1, v: 10_000 }, { t: d2, v: 10_100 }];
      store.lab.saveResult({ summary: summary({ id: 'bt', createdAt: 5 }), detail: { trades: [], tradesTotal: 0, equity: curve, drawdown: [] } });
      store.lab.saveResult({ summary: summary({ id: 'bt-other', createdAt: 6, strategyId: 'macd-trend' }), detail: { trades: [], tradesTotal: 0, equity: [], drawdown: [] } });
      expect(store.paperRecord('sma-cross')).toEqual({
        days: [
          { day: '2025-03-03', firstT: d1 + 14 * 3_600_000, first: 100, lastT: d2 - 1, last: 101 },
          { day: '2025-03-04', firstT: d2, first: 102, lastT: d2 + 20 * 3_600_000, last: 104 },
        ],
        backtest: { resultId: 'bt', name: 'run', dataset: 'csv:GOOG', curve },
      });
    } finally {
      store.close();
    }
  });
});
