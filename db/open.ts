// The one place that opens SQLite. Every database file of the app goes through here, so the
// durability settings and the refusal rules (corrupt, newer than the code, not ours) hold for
// all of them.
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StoreOpenError, asStoreWriteError } from './errors';
import { MigrationError, applicationId, applyMigrations, checkMigrationSet, latestVersion, userVersion } from './migrate';
import type { MigrationSet } from './migrate';

export interface OpenOptions {
  /** the schema this file must have; migrations are applied on a read-write open */
  migrations: MigrationSet;
  /** open for reading only: nothing is created, migrated or written (the CLI, while the app runs) */
  readonly?: boolean;
  /** path to a better-sqlite3 binary built for another ABI (the Electron host's) */
  nativeBinding?: string;
}

export function backupPathFor(file: string, version: number): string {
  return `${file}.bak-v${version}`;
}

/** Backups kept next to `file` by earlier migrations, newest version first. */
export function listBackups(file: string): string[] {
  const dir = dirname(file);
  const prefix = `${basename(file)}.bak-v`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .sort((a, b) => Number(b.slice(prefix.length)) - Number(a.slice(prefix.length)))
    .map((n) => join(dir, n));
}

function driverOptions(opts: OpenOptions, readonly: boolean): Database.Options {
  return {
    readonly,
    fileMustExist: readonly,
    ...(opts.nativeBinding !== undefined ? { nativeBinding: opts.nativeBinding } : {}),
  };
}

function corrupt(file: string, label: string, detail: string, cause?: unknown): StoreOpenError {
  const backups = listBackups(file);
  const restore = backups.length > 0 ? `restore it from the backup ${backups[0]}` : 'restore it from a backup of your own';
  return new StoreOpenError(
    'corrupt',
    file,
    `The ${label} at ${file} is damaged or is not a SQLite database (${detail}). ` +
      `It has not been modified. To continue, ${restore}, or move the file away so that a fresh one is created ` +
      `(your broker account itself is not affected).`,
    { cause },
  );
}

/**
 * PRAGMA quick_check over the whole file, or, when some cache tables may be skipped, over
 * every other table and its indexes. Returns the problems found (none when healthy).
 */
function integrityProblems(db: SqliteDatabase, skip: readonly string[]): string[] {
  const run = (pragma: string) => (db.pragma(pragma) as { quick_check: string }[]).map((r) => r.quick_check).filter((m) => m !== 'ok');
  if (skip.length === 0) return run('quick_check');
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
  const problems: string[] = [];
  for (const t of tables) {
    if (skip.includes(t)) continue;
    problems.push(...run(`quick_check("${t.replaceAll('"', '""')}")`));
  }
  return problems;
}

/**
 * Look at an existing file through a read-only connection (which never checkpoints or writes
 * the main file, even on close) and refuse it if it is corrupt, newer than the code, or not ours.
 * Returns the open read-only connection when `keepOpen`, for read-only callers.
 */
function inspectExisting(file: string, opts: OpenOptions, keepOpen: boolean): SqliteDatabase | null {
  const set = opts.migrations;
  // A read-only connection to a file whose header says WAL creates the -wal and -shm files
  // beside it, and does not remove them on close. A refused file must be left as it was found,
  // with nothing new beside it, so those are removed again (only the ones this open created).
  const sidecars = [`${file}-wal`, `${file}-shm`].filter((f) => !existsSync(f));
  const removeSidecars = () => {
    for (const f of sidecars) rmSync(f, { force: true });
  };
  let db: SqliteDatabase;
  try {
    db = new Database(file, driverOptions(opts, true));
  } catch (e) {
    removeSidecars();
    throw corrupt(file, set.label, `it cannot be opened: ${(e as Error).message}`, e);
  }
  try {
    db.pragma('busy_timeout = 5000');
    let problems: string[];
    let version: number;
    const latest = latestVersion(set);
    try {
      // reading the header is where a file that is not a database fails
      version = userVersion(db);
      problems = integrityProblems(db, version === latest ? (set.cacheTables ?? []) : []);
    } catch (e) {
      throw corrupt(file, set.label, (e as Error).message, e);
    }
    if (problems.length > 0) {
      throw corrupt(file, set.label, `integrity check: ${problems.slice(0, 3).join('; ')}`);
    }
    // whose file it is comes before which version it is: a foreign file's version means nothing
    if (version > 0 && applicationId(db) !== (set.applicationId | 0)) {
      throw new StoreOpenError(
        'foreign',
        file,
        `The file ${file} is a SQLite database but not a ${set.label} (application id ${applicationId(db)}). ` +
          `It has not been modified: move it away, or choose another data directory.`,
      );
    }
    if (version > latest) {
      throw new StoreOpenError(
        'newer_than_code',
        file,
        `The ${set.label} at ${file} has schema version ${version}, but this version of the app only knows ` +
          `versions up to ${latest}. It was written by a newer version of the app: upgrade the app to open it. ` +
          `The file has not been modified.`,
      );
    }
    if (version === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number };
      if (tables.n > 0) {
        throw new StoreOpenError(
          'foreign',
          file,
          `The file ${file} is a SQLite database with tables but no schema version, so it is not a ${set.label}. ` +
            `It has not been modified: move it away, or choose another data directory.`,
        );
      }
    }
    if (keepOpen) return db;
    db.close();
    return null;
  } catch (e) {
    db.close();
    if (e instanceof StoreOpenError) removeSidecars();
    throw e;
  }
}

function applyConnectionSettings(db: SqliteDatabase, readonly: boolean): void {
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // Reads through memory-mapped I/O: bar history comes back in tens of megabytes at a time, and
  // mapping saves a read syscall and a copy per page. Writes still go through the WAL.
  db.pragma('mmap_size = 268435456');
  if (readonly) return;
  // WAL lets the read-only CLI read while the app writes; FULL makes every commit durable
  // (fsync of the WAL) before the write call returns.
  const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
  if (mode !== 'wal') throw new Error(`could not switch ${db.name} to WAL journal mode (got ${mode})`);
  db.pragma('synchronous = FULL');
  // On macOS fsync does not reach the platter; F_FULLFSYNC does.
  if (process.platform === 'darwin') {
    db.pragma('fullfsync = ON');
    db.pragma('checkpoint_fullfsync = ON');
  }
}

/** A consistent copy of the database, written beside it before a migration changes it. */
function backupBeforeMigrating(db: SqliteDatabase, file: string, version: number): string {
  const target = backupPathFor(file, version);
  const tmp = `${target}.tmp`;
  rmSync(tmp, { force: true });
  db.prepare('VACUUM INTO ?').run(tmp);
  renameSync(tmp, target);
  return target;
}

/**
 * Open (creating if needed, unless readonly) the SQLite file `file` with the app's settings,
 * refusing corrupt, foreign or newer-than-code files, and bring its schema up to date.
 */
export function openDatabase(file: string, opts: OpenOptions): SqliteDatabase {
  const set = opts.migrations;
  checkMigrationSet(set);
  const readonly = opts.readonly === true;
  const exists = existsSync(file) && statSync(file).size > 0;

  if (readonly) {
    if (!exists) {
      throw new StoreOpenError('missing', file, `There is no ${set.label} at ${file} yet: no data there. Start the app once with this data directory, or check the --data-dir path.`);
    }
    const db = inspectExisting(file, opts, true);
    if (db === null) throw new Error('unreachable: inspectExisting returns the connection when asked to keep it');
    const version = userVersion(db);
    if (version < latestVersion(set)) {
      db.close();
      throw new StoreOpenError(
        version === 0 ? 'missing' : 'older_than_code',
        file,
        version === 0
          ? `The ${set.label} at ${file} has no data yet. Start the app once with this data directory.`
          : `The ${set.label} at ${file} is at schema version ${version}; this app expects ${latestVersion(set)}. ` +
              `Start the app once to upgrade it, then try again.`,
      );
    }
    applyConnectionSettings(db, true);
    return db;
  }

  if (exists) inspectExisting(file, opts, false);
  else mkdirSync(dirname(file), { recursive: true });

  const db = new Database(file, driverOptions(opts, false));
  try {
    applyConnectionSettings(db, false);
    const version = userVersion(db);
    let backup: string | null = null;
    if (version > 0 && version < latestVersion(set)) backup = backupBeforeMigrating(db, file, version);
    try {
      applyMigrations(db, set);
    } catch (e) {
      if (!(e instanceof MigrationError)) throw e;
      // the disk refusing the upgrade's writes is not a bug to report: say what to do about the disk
      const refused = asStoreWriteError(file, (e as { cause?: unknown }).cause);
      if (refused !== null) throw refused;
      throw new StoreOpenError(
        'migration_failed',
        file,
        `Upgrading the ${set.label} at ${file} failed in ${e.message}. The database was left at version ${userVersion(db)}` +
          (backup !== null ? ` and a copy from before the upgrade is at ${backup}` : '') +
          `. Report this problem; meanwhile, run the previous version of the app.`,
        { cause: e },
      );
    }
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
