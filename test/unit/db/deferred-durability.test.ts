// Commits whose fsync runs off the engine thread (the engine's bar saves): SqliteStore.batchDeferred
// commits without waiting for the disk, syncDeferred resolves once the WAL is fsynced (one
// fdatasync shared by the commits that arrived meanwhile), and a fsync the disk refuses is the
// same StoreWriteError a refused SQLite write is.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asFsWriteError } from '../../../db/errors';
import { SqliteStore } from '../../../db/SqliteStore';

const dirs: string[] = [];
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'deferred-'));
  dirs.push(d);
  return d;
};
const point = (t: number) => ({ t, equity: 100 + t, cash: 50 });

describe('SqliteStore deferred durability', () => {
  it('commits at once (another connection reads it), and syncDeferred resolves for every commit made before it', async () => {
    const dir = tempDir();
    const store = SqliteStore.open(dir);
    closers.push(() => store.close());
    store.batchDeferred(() => store.appendEquity(point(1)));
    const reader = SqliteStore.openReadOnly(dir);
    expect(reader.equityCurve(10).map((p) => p.t)).toEqual([1]);
    reader.close();
    store.batchDeferred(() => store.appendEquity(point(2)));
    const first = store.syncDeferred();
    store.batchDeferred(() => store.appendEquity(point(3)));
    const second = store.syncDeferred();
    await Promise.all([first, second]);
    // nothing left to sync: resolves at once
    await store.syncDeferred();
    store.close();
    const again = SqliteStore.open(dir);
    expect(again.equityCurve(10).map((p) => p.t)).toEqual([1, 2, 3]);
    again.close();
  });

  it('syncNow makes deferred commits durable on the calling thread; inside an open batch a deferred batch joins it', () => {
    const dir = tempDir();
    const store = SqliteStore.open(dir);
    closers.push(() => store.close());
    store.batchDeferred(() => store.appendEquity(point(1)));
    store.syncNow();
    expect(() => store.batch(() => {
      store.batchDeferred(() => store.appendEquity(point(2)));
      throw new Error('roll back both');
    })).toThrow('roll back both');
    expect(store.equityCurve(10).map((p) => p.t)).toEqual([1]);
  });
});

describe('a refused fsync', () => {
  it('is a StoreWriteError the engine recognises as the disk refusing (full, read-only, I/O)', () => {
    const of = (code: string) => asFsWriteError('/data/supervisor.sqlite', Object.assign(new Error(`${code}: refused`), { code }));
    expect(of('ENOSPC')).toMatchObject({ name: 'StoreWriteError', failure: 'disk_full', code: 'SQLITE_FULL', file: '/data/supervisor.sqlite' });
    expect(of('EROFS')).toMatchObject({ failure: 'read_only', code: 'SQLITE_READONLY' });
    expect(of('EIO')).toMatchObject({ failure: 'io', code: 'SQLITE_IOERR_FSYNC' });
    expect(of('EIO').message).toMatch(/could not save to \/data\/supervisor\.sqlite: .*I\/O error .*EIO: refused/);
  });
});
