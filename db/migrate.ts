// Numbered schema migrations. Each one runs inside a single transaction together with its
// `PRAGMA user_version` bump, so a failure leaves the file at the previous version.
// Shipped migrations are never edited: a schema change is always a new, higher-numbered file.
import type { Database } from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}

/** A family of migrations for one kind of file (the store, the simulator's ledger). */
export interface MigrationSet {
  /** what the file is, in words, for error messages ("trading supervisor store") */
  readonly label: string;
  /**
   * Written to `PRAGMA application_id` with the first migration, so that the store and the
   * simulator's ledger (or an unrelated SQLite file) are never mistaken for one another.
   */
  readonly applicationId: number;
  readonly migrations: readonly Migration[];
  /**
   * Tables left out of the integrity check on an ordinary open, so that startup time does not
   * grow with history: re-creatable caches (bar history) and append-only history that restore()
   * does not read in full (the fill journal behind the positions checkpoint, audit, equity).
   * Damage there is still reported when a page is read, and the full check runs before every
   * migration. The tables restore() reads (orders, positions, account, approvals, state) are
   * checked at every open.
   */
  readonly cacheTables?: readonly string[];
}

export function latestVersion(set: MigrationSet): number {
  return set.migrations.at(-1)?.version ?? 0;
}

/** Versions must run 1, 2, 3, ... with no gap: a gap means a migration file went missing. */
export function checkMigrationSet(set: MigrationSet): void {
  set.migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`${set.label} migrations are out of order: position ${i + 1} holds version ${m.version} (${m.name})`);
    }
  });
  if (!Number.isInteger(set.applicationId) || set.applicationId === 0) {
    throw new Error(`${set.label}: application id must be a non-zero 32-bit integer`);
  }
}

export function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function applicationId(db: Database): number {
  return db.pragma('application_id', { simple: true }) as number;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly migration: Migration,
    readonly versionKept: number,
    cause: unknown,
  ) {
    super(
      `migration ${migration.version} (${migration.name}) failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * Apply every migration newer than the file's user_version, each in its own transaction.
 * Returns the versions applied. Throws MigrationError on the first failure (that migration is
 * rolled back entirely; earlier ones stay committed).
 */
export function applyMigrations(db: Database, set: MigrationSet): number[] {
  checkMigrationSet(set);
  const applied: number[] = [];
  for (const m of set.migrations) {
    const current = userVersion(db);
    if (m.version <= current) continue;
    const step = db.transaction(() => {
      if (m.version === 1) db.pragma(`application_id = ${set.applicationId | 0}`);
      m.up(db);
      // user_version lives in the file header, which is journaled like any page: the bump
      // commits or rolls back with the migration's own changes.
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      step.immediate();
    } catch (e) {
      throw new MigrationError(m, current, e);
    }
    applied.push(m.version);
  }
  return applied;
}
