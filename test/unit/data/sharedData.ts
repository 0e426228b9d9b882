// Access to the shared real-data folder (../shared next to the project root). It is not part
// of the project, so tests that need it skip, saying why, when it is absent.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseOhlcvCsv } from '../../../engine/data/csv';
import type { Bar } from '../../../engine/domain/types';

export const SHARED_DIR = resolve(import.meta.dirname, '../../../../shared');
export const SHARED_DATA_DIR = resolve(SHARED_DIR, 'data');
export const SHARED_REFERENCE_DIR = resolve(SHARED_DIR, 'reference');

/** true when the shared folder is present; otherwise prints why the caller's tests skip */
export function sharedDataAvailable(what: string): boolean {
  const ok = existsSync(resolve(SHARED_DATA_DIR, 'GOOG.csv')) && existsSync(SHARED_REFERENCE_DIR);
  if (!ok) console.log(`SKIP ${what}: shared data folder ${SHARED_DIR} is absent (a checkout outside the workspace)`);
  return ok;
}

export function sharedCsvPath(name: string): string {
  return resolve(SHARED_DATA_DIR, `${name}.csv`);
}

export function loadSharedBars(name: string): Bar[] {
  const r = parseOhlcvCsv(readFileSync(sharedCsvPath(name), 'utf8'));
  if (!r.ok) throw new Error(`shared ${name}.csv did not parse: ${r.message}`);
  return r.bars;
}
