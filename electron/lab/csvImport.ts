// Importing a CSV into the lab: the host reads the file by its path (its contents never travel
// in a request), a worker thread validates it (engine/data/csv.ts), and the bars are stored in
// chunks while the dataset is still 'importing'; it appears in one final step. A refused file
// stores nothing and comes back with its per-line report; a failure discards what was written.
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LAB_MAX_CSV_BYTES, LAB_MAX_REPORTED_ISSUES, type LabImportResult } from '../../engine/api/lab';
import { parseCsvInWorker, type BacktestPool } from '../../engine/backtest/pool';
import { medianInterval, type LabStore } from './datasets';

/** bars per stored chunk: one short transaction each, so the engine's writes never wait long */
export const IMPORT_CHUNK_BARS = 16_384;

export interface CsvImportRequest {
  path: string;
  name?: string;
  repair: boolean;
  replace: boolean;
}

/** an import the user can fix (bad path, name taken): the message says how */
export class ImportRequestError extends Error {
  override readonly name = 'ImportRequestError';
  constructor(
    readonly code: 'invalid_request' | 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

/** "GOOG.csv" -> "GOOG"; anything outside the allowed characters becomes "_" */
export function datasetNameFor(path: string): string {
  const stem = basename(path, extname(path)).replace(/[^A-Za-z0-9 ._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return (stem || 'dataset').slice(0, 60);
}

async function readCsv(path: string): Promise<string> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new ImportRequestError('invalid_request', `${path} is not a file`);
    size = s.size;
  } catch (e) {
    if (e instanceof ImportRequestError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImportRequestError(code === 'ENOENT' ? 'not_found' : 'invalid_request', `cannot read ${path}: ${code ?? (e as Error).message}`);
  }
  if (size > LAB_MAX_CSV_BYTES) {
    throw new ImportRequestError('invalid_request', `${path} is ${(size / 2 ** 20).toFixed(0)} MB; the lab imports CSVs of at most ${LAB_MAX_CSV_BYTES / 2 ** 20} MB`);
  }
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new ImportRequestError('invalid_request', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function importCsv(
  store: LabStore,
  req: CsvImportRequest,
  opts: { now: () => number; signal: AbortSignal; onImported: (id: string) => void; pool?: BacktestPool },
): Promise<LabImportResult> {
  const name = req.name ?? datasetNameFor(req.path);
  const id = `csv:${name}`;
  if (!req.replace && store.lab.getDataset(id)) {
    throw new ImportRequestError('conflict', `a dataset named "${name}" exists already: choose another name, or import with replace to overwrite it`);
  }
  const text = await readCsv(req.path);
  const parsed = await parseCsvInWorker(text, { repair: req.repair }, { signal: opts.signal, pool: opts.pool });
  const issues = parsed.issues.slice(0, LAB_MAX_REPORTED_ISSUES);
  if (!parsed.ok) return { status: 'refused', message: parsed.message, issues, issueCount: parsed.issues.length };
  const cols = parsed.cols;
  if (cols.length < 2) {
    return { status: 'refused', message: `${req.path} has ${cols.length} usable bar(s); a backtest needs at least 2`, issues, issueCount: parsed.issues.length };
  }

  const tmpId = `importing:${randomUUID()}`;
  store.lab.beginDataset({ tmpId, sourcePath: req.path, importedAt: opts.now(), issueCount: parsed.issues.length, issues });
  try {
    for (let from = 0, seq = 0; from < cols.length; from += IMPORT_CHUNK_BARS, seq++) {
      if (opts.signal.aborted) throw new Error('the import was interrupted (the supervisor is shutting down)');
      store.lab.appendDatasetChunk(tmpId, seq, cols, from, Math.min(cols.length, from + IMPORT_CHUNK_BARS));
      // let the engine's work run between chunks
      await nextTurn();
    }
    store.lab.publishDataset(tmpId, { id, name, barCount: cols.length, firstT: cols.t[0]!, lastT: cols.t[cols.length - 1]!, intervalMs: medianInterval(cols.t) });
  } catch (e) {
    store.lab.discardDataset(tmpId);
    throw e;
  }
  opts.onImported(id);
  const dataset = store.lab.getDataset(id);
  if (!dataset) throw new Error(`dataset ${id} vanished right after its import`);
  return { status: 'imported', dataset, issues, issueCount: parsed.issues.length };
}
