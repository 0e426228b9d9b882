import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { openDatabase, backupPathFor } from '../../../db/open';
import { applyMigrations, userVersion } from '../../../db/migrate';
import type { Migration, MigrationSet } from '../../../db/migrate';
import { StoreOpenError } from '../../../db/errors';
import { storeMigrations } from '../../../db/migrations/store';
import { simLedgerMigrations } from '../../../db/migrations/sim';
import { SqliteStore, STORE_FILE_NAME } from '../../../db/SqliteStore';
import { makeTempDir, sampleOrder } from './fixtures';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir('migr-')));
afterEach(() => cleanup());

function tableNames(db: Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
}

function schemaSql(db: Database): string[] {
  return db.prepare('SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name').pluck().all() as string[];
}

function openError(fn: () => unknown): StoreOpenError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoreOpenError) return e;
    throw e;
  }
  throw new Error('expected a StoreOpenError, but the open succeeded');
}

const upTo = (set: MigrationSet, n: number): MigrationSet => ({ ...set, migrations: set.migrations.slice(0, n) });

// Every shipped migration, of both files: applies on top of the previous version and bumps user_version.
for (const set of [storeMigrations, simLedgerMigrations]) {
  describe(`${set.label} migrations`, () => {
    for (const m of set.migrations) {
      it(`migration ${m.version} (${m.name}) applies on a database at version ${m.version - 1} and sets user_version ${m.version}`, () => {
        const file = join(dir, 'm.sqlite');
        const prev = openDatabase(file, { migrations: upTo(set, m.version - 1) });
        const schemaBefore = schemaSql(prev);
        expect(userVersion(prev)).toBe(m.version - 1);
        prev.close();

        const db = openDatabase(file, { migrations: upTo(set, m.version) });
        try {
          expect(userVersion(db)).toBe(m.version);
          expect(schemaSql(db)).not.toEqual(schemaBefore);
          expect(db.pragma('foreign_key_check')).toEqual([]);
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        } finally {
          db.close();
        }
      });
    }
  });
}

describe('store migration 1 (initial)', () => {
  it('creates every table the store needs', () => {
    const db = openDatabase(join(dir, 's.sqlite'), { migrations: upTo(storeMigrations, 1) });
    expect(tableNames(db)).toEqual(
      ['account', 'approvals', 'audit', 'bar_chunks', 'equity_points', 'fill_watermark', 'fills', 'orders', 'positions', 'settings', 'stop_reports', 'trading_state'].sort(),
    );
    db.close();
  });
});

describe('openDatabase', () => {
  it('sets WAL, foreign keys, FULL sync and a busy timeout', () => {
    const db = openDatabase(join(dir, 'nested', 'deeper', 'p.sqlite'), { migrations: storeMigrations });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      db.close();
    }
  });

  it('refuses a database newer than the code, naming both versions, and leaves its bytes untouched', () => {
    const file = join(dir, STORE_FILE_NAME);
    const db = openDatabase(file, { migrations: storeMigrations });
    db.pragma('user_version = 99');
    db.close();
    const before = readFileSync(file);
    const e = openError(() => SqliteStore.open(dir));
    expect(e.failure).toBe('newer_than_code');
    expect(e.message).toMatch(/schema version 99/);
    expect(e.message).toMatch(new RegExp(`versions up to ${storeMigrations.migrations.length}`));
    expect(e.message).toMatch(/upgrade the app/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(openError(() => SqliteStore.openReadOnly(dir)).failure).toBe('newer_than_code');
  });

  it('refuses a file of garbage bytes as corrupt, tells what to do, and does not overwrite it', () => {
    const file = join(dir, STORE_FILE_NAME);
    const garbage = Buffer.alloc(64 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
    writeFileSync(file, garbage);
    const e = openError(() => SqliteStore.open(dir));
    expect(e.failure).toBe('corrupt');
    expect(e.message).toMatch(/not a SQLite database|damaged/);
    expect(e.message).toMatch(/move the file away/);
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });

  it('refuses a truncated real store as corrupt, names the backup to restore, and leaves it as it was', () => {
    const file = join(dir, STORE_FILE_NAME);
    const store = SqliteStore.open(dir);
    for (let i = 0; i < 300; i++) store.insertOrder(sampleOrder({ clientOrderId: `o-${i}`, reason: 'x'.repeat(200) }));
    store.close();
    writeFileSync(backupPathFor(file, 1), 'pretend backup');
    const size = readFileSync(file).length;
    truncateSync(file, Math.floor(size / 2));
    const before = readFileSync(file);
    const e = openError(() => SqliteStore.open(dir));
    expect(e.failure).toBe('corrupt');
    expect(e.message).toContain(`restore it from the backup ${backupPathFor(file, 1)}`);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a store with one page of the order journal overwritten by garbage, leaving it as it was', () => {
    const file = join(dir, STORE_FILE_NAME);
    const store = SqliteStore.open(dir);
    for (let i = 0; i < 300; i++) store.insertOrder(sampleOrder({ clientOrderId: `o-${i}`, reason: 'x'.repeat(200) }));
    store.close();
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    // the last pages hold the most recently inserted orders
    const page = Math.floor(bytes.length / pageSize) - 2;
    for (let i = 0; i < pageSize; i++) bytes[page * pageSize + i] = (i * 31 + 7) & 0xff;
    writeFileSync(file, bytes);
    const e = openError(() => SqliteStore.open(dir));
    expect(e.failure).toBe('corrupt');
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('refuses a SQLite file that is not ours (tables, no schema version) without touching it', () => {
    const file = join(dir, 'foreign.sqlite');
    const plain: MigrationSet = { label: 'other', applicationId: 7, migrations: [] };
    const db = openDatabase(file, { migrations: plain });
    db.exec('CREATE TABLE notes (x TEXT)');
    db.close();
    const before = readFileSync(file);
    const e = openError(() => openDatabase(file, { migrations: storeMigrations }));
    expect(e.failure).toBe('foreign');
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a migration list with a gap', () => {
    const gap: MigrationSet = { label: 'gappy', applicationId: 9, migrations: [{ version: 2, name: 'x', up: () => {} }] };
    expect(() => openDatabase(join(dir, 'g.sqlite'), { migrations: gap })).toThrow(/out of order/);
  });
});

describe('migration mechanics', () => {
  const v1: Migration = { version: 1, name: 'one', up: (db) => db.exec('CREATE TABLE t1 (x INTEGER); INSERT INTO t1 VALUES (41)') };
  const v2ok: Migration = { version: 2, name: 'two', up: (db) => db.exec('CREATE TABLE t2 (y INTEGER); UPDATE t1 SET x = 42') };
  const v2broken: Migration = {
    version: 2,
    name: 'two-broken',
    up: (db) => {
      db.exec('CREATE TABLE t2 (y INTEGER); UPDATE t1 SET x = 0');
      throw new Error('boom half way');
    },
  };
  const set = (...migrations: Migration[]): MigrationSet => ({ label: 'test db', applicationId: 0x1234, migrations });

  it('a failure in the middle of a migration leaves the database at the previous version with none of its changes', () => {
    const file = join(dir, 'x.sqlite');
    openDatabase(file, { migrations: set(v1) }).close();
    const e = openError(() => openDatabase(file, { migrations: set(v1, v2broken) }));
    expect(e.failure).toBe('migration_failed');
    expect(e.message).toMatch(/migration 2 \(two-broken\) failed: boom half way/);
    expect(e.message).toMatch(/left at version 1/);
    const db = openDatabase(file, { migrations: set(v1), readonly: true });
    expect(userVersion(db)).toBe(1);
    expect(tableNames(db)).toEqual(['t1']);
    expect(db.prepare('SELECT x FROM t1').pluck().get()).toBe(41);
    db.close();
  });

  it('applyMigrations bumps user_version once per migration and skips those already applied', () => {
    const db = openDatabase(join(dir, 'y.sqlite'), { migrations: set(v1) });
    expect(applyMigrations(db, set(v1, v2ok))).toEqual([2]);
    expect(userVersion(db)).toBe(2);
    expect(applyMigrations(db, set(v1, v2ok))).toEqual([]);
    db.close();
  });

  it('keeps a backup <file>.bak-v<N> of the data before migrating from version N', () => {
    const file = join(dir, 'z.sqlite');
    openDatabase(file, { migrations: set(v1) }).close();
    expect(existsSync(backupPathFor(file, 1))).toBe(false);
    const db = openDatabase(file, { migrations: set(v1, v2ok) });
    expect(db.prepare('SELECT x FROM t1').pluck().get()).toBe(42);
    db.close();
    const backup = openDatabase(backupPathFor(file, 1), { migrations: set(v1), readonly: true });
    expect(userVersion(backup)).toBe(1);
    expect(backup.prepare('SELECT x FROM t1').pluck().get()).toBe(41);
    backup.close();
  });

  it('creates no backup for a brand-new database', () => {
    const file = join(dir, 'new.sqlite');
    openDatabase(file, { migrations: set(v1, v2ok) }).close();
    expect(existsSync(backupPathFor(file, 0))).toBe(false);
    expect(existsSync(backupPathFor(file, 1))).toBe(false);
  });

  it('read-only open refuses a database the app has not upgraded yet, and changes nothing', () => {
    const file = join(dir, 'old.sqlite');
    openDatabase(file, { migrations: set(v1) }).close();
    const before = readFileSync(file);
    const e = openError(() => openDatabase(file, { migrations: set(v1, v2ok), readonly: true }));
    expect(e.failure).toBe('older_than_code');
    expect(e.message).toMatch(/Start the app once to upgrade it/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
