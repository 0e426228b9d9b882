// A fingerprint of a SQLite database's contents, table by table, read through a separate
// read-only connection (the runtime keeps its own open). Rows are hashed in sorted order so the
// fingerprint depends on what is stored, not on page layout, WAL checkpoints or VACUUM.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

export type DbFingerprint = Record<string, string>;

export function fingerprintDb(file: string): DbFingerprint {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    const out: DbFingerprint = {};
    for (const { name } of tables) {
      const rows = db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).raw().all() as unknown[][];
      const lines = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? `hex:${v.toString('hex')}` : typeof v === 'bigint' ? `big:${v}` : v))).sort();
      out[name] = `${rows.length}:${createHash('sha256').update(lines.join('\n')).digest('hex')}`;
    }
    return out;
  } finally {
    db.close();
  }
}

/** The tables whose fingerprints differ, e.g. ["audit (3 rows -> 5 rows)"]. */
export function changedTables(before: DbFingerprint, after: DbFingerprint): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names
    .filter((n) => before[n] !== after[n])
    .map((n) => `${n} (${before[n]?.split(':')[0] ?? 'absent'} rows -> ${after[n]?.split(':')[0] ?? 'absent'} rows)`);
}
