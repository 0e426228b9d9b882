// The strategy lab's storage: imported CSV datasets (binary chunks, written while 'importing'
// and made visible in one final step) and saved results (a small JSON summary for lists and
// the readiness evidence, a larger JSON detail read only when a result is opened).
import type { Database } from 'better-sqlite3';
import type { LabDataset, LabResult, LabResultSummary, LabRunKind } from '../../engine/api/lab';
import type { BarColumns } from '../../engine/backtest/columns';
import type { CsvIssue } from '../../engine/data/csv';
import { StoreInputError } from '../errors';
import { decodeColumns, FIELDS_PER_BAR } from './bars';
import { finite, fromJson, limitArg, oneOf, text, time, toJson } from './validate';

const KINDS: readonly LabRunKind[] = ['backtest', 'walk-forward', 'sweep'];

/** bars [from, to) of `cols` in the bar_chunks layout (n times, then opens, highs, lows, closes, volumes) */
export function encodeColumns(cols: BarColumns, from: number, to: number): Buffer {
  const n = to - from;
  const f = new Float64Array(n * FIELDS_PER_BAR);
  [cols.t, cols.o, cols.h, cols.l, cols.c, cols.v].forEach((col, k) => f.set(col.subarray(from, to), k * n));
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

export interface LabDatasetDraft {
  /** temporary id and name while importing */
  tmpId: string;
  sourcePath: string;
  importedAt: number;
  issueCount: number;
  issues: CsvIssue[];
}

export interface LabDatasetFinal {
  id: string;
  name: string;
  barCount: number;
  firstT: number;
  lastT: number;
  intervalMs: number | null;
}

export interface SavedLabResult {
  summary: LabResultSummary;
  /** the kind's own parts: everything of LabResult except kind and summary */
  detail: unknown;
}

interface DatasetRow {
  id: string;
  name: string;
  source_path: string;
  bar_count: number;
  first_t: number | null;
  last_t: number | null;
  interval_ms: number | null;
  imported_at: number;
  issue_count: number;
}

const datasetOf = (r: DatasetRow): LabDataset => ({
  id: r.id,
  source: 'csv',
  name: r.name,
  bars: r.bar_count,
  firstT: r.first_t,
  lastT: r.last_t,
  intervalMs: r.interval_ms,
  origin: r.source_path,
  importedAt: r.imported_at,
  issueCount: r.issue_count,
});

export function prepareLabRepo(db: Database) {
  const insertDraft = db.prepare(`
    INSERT INTO lab_datasets (id, name, source_path, state, bar_count, imported_at, issue_count, issues)
    VALUES (@id, @id, @source_path, 'importing', 0, @imported_at, @issue_count, @issues)`);
  const insertChunk = db.prepare('INSERT INTO lab_dataset_chunks (dataset_id, seq, n, data) VALUES (?, ?, ?, ?)');
  const deleteDataset = db.prepare('DELETE FROM lab_datasets WHERE id = ?');
  const deleteIncomplete = db.prepare("DELETE FROM lab_datasets WHERE state = 'importing'");
  const publish = db.prepare(`
    UPDATE lab_datasets SET id = @id, name = @name, state = 'ready', bar_count = @bar_count, first_t = @first_t,
      last_t = @last_t, interval_ms = @interval_ms
    WHERE id = @tmp_id AND state = 'importing'`);
  const readyColumns = 'id, name, source_path, bar_count, first_t, last_t, interval_ms, imported_at, issue_count';
  const listReady = db.prepare<[], DatasetRow>(`SELECT ${readyColumns} FROM lab_datasets WHERE state = 'ready' ORDER BY name`);
  const getReady = db.prepare<[string], DatasetRow>(`SELECT ${readyColumns} FROM lab_datasets WHERE id = ? AND state = 'ready'`);
  const chunksOf = db.prepare<[string], Buffer>('SELECT data FROM lab_dataset_chunks WHERE dataset_id = ? ORDER BY seq').pluck();

  const insertResult = db.prepare(`
    INSERT INTO lab_results (id, kind, name, created_at, dataset, strategy_id, summary, detail)
    VALUES (@id, @kind, @name, @created_at, @dataset, @strategy_id, @summary, @detail)`);
  const listAll = db.prepare<[number], string>('SELECT summary FROM lab_results ORDER BY created_at DESC, rowid DESC LIMIT ?').pluck();
  const listKind = db.prepare<[string, number], string>('SELECT summary FROM lab_results WHERE kind = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').pluck();
  const getResult = db.prepare<[string], { summary: string; detail: string }>('SELECT summary, detail FROM lab_results WHERE id = ?');
  const deleteResult = db.prepare('DELETE FROM lab_results WHERE id = ?');
  const latestOf = db.prepare<[string, string], string>(
    'SELECT summary FROM lab_results WHERE kind = ? AND strategy_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
  ).pluck();

  const publishTx = db.transaction((tmpId: string, f: LabDatasetFinal) => {
    // replacing: the older dataset of this name goes in the same step the new one appears
    deleteDataset.run(f.id);
    const r = publish.run({
      tmp_id: tmpId,
      id: f.id,
      name: f.name,
      bar_count: f.barCount,
      first_t: f.firstT,
      last_t: f.lastT,
      interval_ms: f.intervalMs,
    });
    if (r.changes !== 1) throw new StoreInputError(`lab dataset import ${tmpId} is not in progress (discarded, or already published)`);
  });

  return {
    beginDataset(d: LabDatasetDraft): void {
      insertDraft.run({
        id: text('lab dataset temporary id', d.tmpId),
        source_path: text('lab dataset source path', d.sourcePath),
        imported_at: time('lab dataset importedAt', d.importedAt),
        issue_count: limitArg('lab dataset issueCount', d.issueCount),
        issues: toJson('lab dataset issues', d.issues),
      });
    },
    /** one chunk per call, each its own transaction: a long import never holds the writer for long */
    appendDatasetChunk(tmpId: string, seq: number, cols: BarColumns, from: number, to: number): void {
      if (!(to > from)) throw new StoreInputError(`lab dataset chunk ${seq} of ${tmpId} is empty`);
      for (let i = from; i < to; i++) time(`lab dataset bar ${i} t`, cols.t[i]!);
      insertChunk.run(tmpId, limitArg('chunk seq', seq), to - from, encodeColumns(cols, from, to));
    },
    publishDataset(tmpId: string, f: LabDatasetFinal): void {
      text('lab dataset id', f.id);
      text('lab dataset name', f.name);
      publishTx(tmpId, f);
    },
    discardDataset(tmpId: string): void {
      deleteDataset.run(tmpId);
    },
    /** imports a crash interrupted: their chunks are removed with them */
    discardIncompleteDatasets(): number {
      return deleteIncomplete.run().changes;
    },
    listDatasets(): LabDataset[] {
      return listReady.all().map(datasetOf);
    },
    getDataset(id: string): LabDataset | null {
      const r = getReady.get(id);
      return r === undefined ? null : datasetOf(r);
    },
    deleteDataset(id: string): boolean {
      return deleteDataset.run(id).changes > 0;
    },
    loadDatasetColumns(id: string): BarColumns {
      return decodeColumns(chunksOf.all(id));
    },

    saveResult(r: SavedLabResult): void {
      const s = r.summary;
      finite('lab result durationMs', s.durationMs);
      insertResult.run({
        id: text('lab result id', s.id),
        kind: oneOf('lab result kind', KINDS, s.kind),
        name: text('lab result name', s.name),
        created_at: time('lab result createdAt', s.createdAt),
        dataset: text('lab result dataset', s.setup.dataset),
        strategy_id: text('lab result strategyId', s.strategyId),
        summary: toJson(`lab result ${s.id} summary`, s),
        detail: toJson(`lab result ${s.id} detail`, r.detail),
      });
    },
    listResults(kind: LabRunKind | undefined, limit: number): LabResultSummary[] {
      limitArg('limit', limit);
      const rows = kind === undefined ? listAll.all(limit) : listKind.all(oneOf('lab result kind', KINDS, kind), limit);
      return rows.map((s) => fromJson<LabResultSummary>(s));
    },
    getResult(id: string): LabResult | null {
      const r = getResult.get(id);
      if (r === undefined) return null;
      const summary = fromJson<LabResultSummary>(r.summary);
      // detail was written by saveResult from the same LabResult: the parse point for it
      return { ...fromJson<Record<string, unknown>>(r.detail), kind: summary.kind, summary } as LabResult;
    },
    deleteResult(id: string): boolean {
      return deleteResult.run(id).changes > 0;
    },
    latestResult(kind: LabRunKind, strategyId: string): LabResultSummary | null {
      const s = latestOf.get(kind, strategyId);
      return s === undefined ? null : fromJson<LabResultSummary>(s);
    },
  };
}

export type LabRepo = ReturnType<typeof prepareLabRepo>;
