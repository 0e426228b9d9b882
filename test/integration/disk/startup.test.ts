// A damaged database at startup, for both files of a simulator data directory (the store,
// supervisor.sqlite, and the simulator's ledger, simulator.sqlite), through the runtime API and
// the headless host. Each damage is refused with a message that names the file, says what is
// wrong and what to do (restore the newest automatic backup, which it names, or move the file
// away), and the refused file is left byte for byte as it was, its backup kept.
//
// Already covered elsewhere, not repeated here: db/open.ts on a garbage file, one truncation, one
// overwritten page, a foreign file and a newer store (test/unit/db/migrations.test.ts), a store
// file in place of the ledger (test/unit/db/simLedger.test.ts), the headless host on a garbage
// store (test/integration/headless/headless.test.ts), writes surviving SIGKILL
// (test/unit/db/crashRecovery.test.ts). This file adds the whole runtime on a real traded
// directory, several truncation points, the ledger, the backup the message points to, and the
// torn WAL.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeStartError, startRuntime } from '../../../electron/runtime';
import { openDatabase } from '../../../db/open';
import { storeMigrations } from '../../../db/migrations/store';
import { simLedgerMigrations } from '../../../db/migrations/sim';
import type { MigrationSet } from '../../../db/migrate';
import { SqliteStore } from '../../../db/SqliteStore';
import { expectConsistentAfterRestart, removeTempDirs, storeConnection, tempDir, until } from './helpers';

const storeConnectionOk = (store: SqliteStore) => storeConnection(store).pragma('integrity_check', { simple: true });

const root = resolve(import.meta.dirname, '../../..');
const bundle = join(root, 'dist', 'headless.cjs');

const FILES = {
  store: { name: 'supervisor.sqlite', set: storeMigrations },
  ledger: { name: 'simulator.sqlite', set: simLedgerMigrations },
} as const;
type Which = keyof typeof FILES;

/** A data directory that went through one real upgrade (so each file has its automatic backup) and some trading. */
let golden: string;

beforeAll(async () => {
  golden = tempDir('disk-golden-');
  // both files at the previous schema version, as an earlier release left them
  for (const f of Object.values(FILES)) {
    const older: MigrationSet = { ...f.set, migrations: f.set.migrations.slice(0, f.set.migrations.length - 1) };
    openDatabase(join(golden, f.name), { migrations: older }).close();
  }
  const rt = await startRuntime({ dataDir: golden, broker: 'sim', simSpeed: 400, simSeed: 5, housekeepingMs: 20 });
  try {
    await rt.dispatch('supervisor:set_mode', { mode: 'autonomous' });
    for (let i = 0; i < 6; i++) {
      const last = rt.market.lastPrice('SPY') ?? 100;
      await rt.dispatch('orders:submit', { symbol: 'SPY', side: 'buy', qty: 1, type: i % 2 === 0 ? 'market' : 'limit', limitPrice: i % 2 === 0 ? null : Math.round(last * 0.7) });
    }
    await until(() => rt.store.countFills() > 0, 5_000);
  } finally {
    await rt.shutdown();
  }
}, 30_000);
afterAll(removeTempDirs);

const previous = (which: Which) => FILES[which].set.migrations.length - 1;
const backupOf = (dir: string, which: Which) => join(dir, `${FILES[which].name}.bak-v${previous(which)}`);

/** Every file of the directory and its bytes, but the runtime lock (taken and released by each start). */
function snapshotDir(dir: string): Map<string, Buffer> {
  return new Map(
    readdirSync(dir)
      .filter((n) => !n.includes('lock'))
      .map((n) => [n, readFileSync(join(dir, n))]),
  );
}

function pageSizeOf(file: string): number {
  return readFileSync(file).readUInt16BE(16);
}

type Damage = { name: string; apply: (file: string) => void; wrong: RegExp; todo: 'restore' | 'upgrade' };

const DAMAGES: Damage[] = [
  { name: 'truncated in the middle of the 100-byte header', apply: (f) => truncateSync(f, 60), wrong: /is damaged or is not a SQLite database/, todo: 'restore' },
  {
    name: 'truncated in the middle of a page',
    apply: (f) => truncateSync(f, pageSizeOf(f) * Math.max(2, Math.floor(statSync(f).size / pageSizeOf(f) / 2)) + 1234),
    wrong: /is damaged or is not a SQLite database/,
    todo: 'restore',
  },
  {
    // a page of the order table (the journal, checked at every open; history tables such as the
    // bar cache are checked when read and before migrations, see cacheTables in db/migrate.ts)
    name: 'with a page of its order table overwritten by garbage',
    apply: (f) => {
      const table = f.endsWith(FILES.ledger.name) ? 'sim_orders' : 'orders';
      // a read-write connection, closed: it leaves no -wal/-shm behind
      const db = new Database(f);
      const pages = db.prepare('SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno').pluck().all(table) as number[];
      db.close();
      const pageno = pages[Math.floor(pages.length / 2)];
      if (pageno === undefined || pageno < 2) throw new Error(`no page of ${table} to damage in ${f}: ${JSON.stringify(pages)}`);
      const bytes = readFileSync(f);
      const size = pageSizeOf(f);
      for (let i = 0; i < size; i++) bytes[(pageno - 1) * size + i] = (i * 31 + 7) & 0xff;
      writeFileSync(f, bytes);
    },
    wrong: /is damaged or is not a SQLite database \(/,
    todo: 'restore',
  },
  { name: 'replaced by a file that is not SQLite', apply: (f) => writeFileSync(f, 'orders,fills\n1,2\n'.repeat(500)), wrong: /is damaged or is not a SQLite database/, todo: 'restore' },
  {
    name: 'from a newer version of the app',
    apply: (f) => {
      const db = new Database(f);
      db.pragma('user_version = 99');
      db.close();
    },
    wrong: /has schema version 99, but this version of the app only knows versions up to \d+/,
    todo: 'upgrade',
  },
];

/** A copy of the golden directory with one file damaged; returns the directory, the file and its damaged bytes. */
function damaged(which: Which, d: Damage): { dir: string; file: string } {
  const dir = tempDir('disk-start-');
  cpSync(golden, dir, { recursive: true });
  const file = join(dir, FILES[which].name);
  d.apply(file);
  return { dir, file };
}

function expectActionable(message: string, dir: string, file: string, which: Which, d: Damage): void {
  expect(message).toContain(file);
  expect(message).toMatch(d.wrong);
  expect(message).toMatch(/has not been modified/);
  if (d.todo === 'restore') {
    expect(message).toContain(`restore it from the backup ${backupOf(dir, which)}`);
    expect(message).toMatch(/or move the file away so that a fresh one is created/);
  } else {
    expect(message).toMatch(/upgrade the app to open it/);
  }
}

describe('a damaged database at startup, through the runtime API', () => {
  for (const which of ['store', 'ledger'] as const) {
    for (const d of DAMAGES) {
      it(`${FILES[which].name} ${d.name}: refused with the file, the problem and what to do; nothing changed, backup kept`, async () => {
        const { dir, file } = damaged(which, d);
        const before = snapshotDir(dir);
        const backup = readFileSync(backupOf(dir, which));
        const e = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 }).then(
          async (rt) => {
            await rt.shutdown();
            throw new Error('the runtime started on a damaged file');
          },
          (x: unknown) => x,
        );
        expect(e).toBeInstanceOf(RuntimeStartError);
        expectActionable((e as Error).message, dir, file, which, d);
        // the refused file byte-identical, no file created, changed or removed beside it, the backup as it was
        const after = snapshotDir(dir);
        expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
        for (const [name, bytes] of before) expect(after.get(name)?.equals(bytes), `${name} changed`).toBe(true);
        expect(readFileSync(backupOf(dir, which)).equals(backup)).toBe(true);
      });
    }
  }

  it('following the instructions works: with the damaged ledger replaced by its backup, the runtime starts and is consistent', async () => {
    const mid = DAMAGES[1] as Damage;
    const { dir, file } = damaged('ledger', mid);
    await expect(startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 })).rejects.toThrow(RuntimeStartError);
    copyFileSync(backupOf(dir, 'ledger'), file);
    const rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 });
    try {
      // the backup predates the trading: the broker's books went back, and the journal's
      // differences are shown for the user to resolve (here: adopted)
      await expectConsistentAfterRestart(rt);
    } finally {
      await rt.shutdown();
    }
  });
});

describe('a torn write-ahead log at startup', () => {
  /**
   * A crash image: the store with 20 audit records committed to its WAL (not yet checkpointed),
   * copied as a crash would leave it, then the WAL cut at `cut` (a fraction of its length).
   */
  function tornWal(cut: number): { dir: string; walBytes: number } {
    const source = tempDir('disk-wal-src-');
    cpSync(golden, source, { recursive: true });
    const store = SqliteStore.open(source);
    store.disableAutoCheckpoint();
    for (let i = 0; i < 20; i++) store.appendAudit({ at: Date.now(), kind: 'recovery', message: `wal record ${i}` });
    const dir = tempDir('disk-wal-');
    cpSync(source, dir, { recursive: true }); // while the store is open: the WAL holds the 20 commits
    store.close();
    const wal = join(dir, 'supervisor.sqlite-wal');
    const walBytes = statSync(wal).size;
    rmSync(join(dir, 'supervisor.sqlite-shm'), { force: true });
    truncateSync(wal, Math.floor(walBytes * cut));
    return { dir, walBytes };
  }

  // A WAL cut short is what a crash mid-append looks like, so SQLite by design keeps the
  // commits whose frames are whole and drops the rest: the file is sound, not refused. Losing
  // commits that had been fsynced takes damage from outside (a disk that lied, a copy cut
  // short); no header records how long the WAL was, so it cannot be told apart. The broker's
  // record then fills the gap (reconciliation).
  for (const cut of [0.6, 0.01]) {
    it(`cut at ${cut * 100}% of its length: the store opens sound with a prefix of the commits, and reconciles with the broker`, async () => {
      const { dir, walBytes } = tornWal(cut);
      expect(walBytes).toBeGreaterThan(4096);
      const rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 });
      try {
        const records = rt.store
          .listAudit(1000)
          .map((a) => /^wal record (\d+)$/.exec(a.message)?.[1])
          .filter((n): n is string => n !== undefined)
          .map(Number)
          .sort((a, b) => a - b);
        // a prefix: records 0..k-1 for some k < 20, never a gap
        expect(records).toEqual(records.map((_, i) => i));
        expect(records.length).toBeLessThan(20);
        await expectConsistentAfterRestart(rt);
      } finally {
        await rt.shutdown();
      }
    });
  }
});

/** Builds the hosts when the bundle is missing or older than its sources (as in test/integration/headless). */
function ensureBuilt(): void {
  let newest = 0;
  for (const dir of ['electron', 'engine', 'db']) {
    for (const f of readdirSync(join(root, dir), { recursive: true })) {
      if (/\.(ts|mts|mjs)$/.test(String(f))) newest = Math.max(newest, statSync(join(root, dir, String(f))).mtimeMs);
    }
  }
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newest) return;
  const r = spawnSync(process.execPath, ['electron/build.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`node electron/build.mjs failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * Run the headless host on `dir` until it exits. With `fileSizeLimitKb`, the host runs under that
 * file-size limit (RLIMIT_FSIZE, via the shell's ulimit, with SIGXFSZ ignored): a write past it
 * fails in the kernel as on a full disk, without a special file system or root.
 */
function runHost(dir: string, fileSizeLimitKb?: number): Promise<{ code: number | null; out: string; err: string }> {
  const args = [bundle, '--port', '0', '--data-dir', dir, '--token', 'disk-test-token-0123456789abcdef'];
  const child =
    fileSizeLimitKb === undefined
      ? spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `ulimit -f ${fileSizeLimitKb * 2}; trap '' XFSZ; exec "$0" "$@"`, process.execPath, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((r) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      r({ code, out, err });
    }),
  );
}

describe('a damaged database at startup, through the headless host', () => {
  beforeAll(() => ensureBuilt(), 60_000);

  const cases: [Which, Damage][] = [
    ['store', DAMAGES[4] as Damage],
    ['ledger', DAMAGES[1] as Damage],
  ];
  for (const [which, d] of cases) {
    it(`exits 2 with the instructions on stderr for ${FILES[which].name} ${d.name}, and changes nothing`, async () => {
      const { dir, file } = damaged(which, d);
      const before = snapshotDir(dir);
      const { code, out, err } = await runHost(dir);
      expect(code, err).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/headless: cannot start: /);
      expectActionable(err, dir, file, which, d);
      const after = snapshotDir(dir);
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      for (const [name, bytes] of before) expect(after.get(name)?.equals(bytes), `${name} changed`).toBe(true);
    }, 30_000);
  }

  // ulimit -f counts 512-byte blocks in POSIX sh; the limit is set where the new store's
  // creation fits and its first writes (the simulator's chart history) do not
  const canLimit = process.platform !== 'win32' && existsSync('/bin/sh');
  it.skipIf(!canLimit)('exits 2 saying the disk refused the first start\'s writes and what to do; once there is room, the same directory starts', async () => {
    const dir = tempDir('disk-full-start-');
    const { code, out, err } = await runHost(dir, 500);
    expect(code, err).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/headless: cannot start: could not save to .*(supervisor|simulator)\.sqlite: the (disk is full|disk or file system reported an I\/O error) \(SQLITE_(FULL|IOERR)/);
    expect(err).toMatch(/Nothing was traded\. (Free space on that disk|Check the disk and the free space on it), then start again\./);
    const rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 });
    try {
      expect(storeConnectionOk(rt.store)).toBe('ok');
      await expectConsistentAfterRestart(rt);
    } finally {
      await rt.shutdown();
    }
  }, 30_000);
  if (!canLimit) console.warn('skipped the file-size-limit start test: it needs /bin/sh and ulimit (not on Windows)');
});
