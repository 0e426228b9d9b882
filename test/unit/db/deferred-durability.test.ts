// Commits whose fsync runs off the engine thread (the engine's group commit and bar saves):
// SqliteStore.batchDeferred commits without waiting for the disk, syncDeferred resolves once the
// WAL is fsynced (one fdatasync shared by the commits that arrived meanwhile), a fsync the disk
// refuses is the same StoreWriteError a refused SQLite write is, and the engine publishes nothing
// of a turn, nor any event emitted after it, and sends no order, before the disk has it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../engine/api/contract';
import { Engine } from '../../../engine/Engine';
import { DEFAULT_SIM_SYMBOLS } from '../../../engine/sim/instruments';
import { SimBroker } from '../../../engine/sim/SimBroker';
import { SimMarket } from '../../../engine/sim/SimMarket';
import { asFsWriteError } from '../../../db/errors';
import { SqliteSimLedger } from '../../../db/simLedger';
import { SqliteStore } from '../../../db/SqliteStore';
import { TestClock } from '../engine/harness';

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

/**
 * An engine on the simulator over a real store whose fsync (syncDeferred) is the test's: it gets
 * the real store's and returns what the engine sees. `whileStarting` runs beside Engine.start (the
 * start's own turns wait for the disk too); `beforeClose` lets a held or refusing disk go at the end.
 */
async function engineOverDisk(
  syncDeferred: (real: SqliteStore) => Promise<void>,
  hooks: { whileStarting?: () => Promise<void>; beforeClose?: () => void } = {},
): Promise<{ engine: Engine; ledger: SqliteSimLedger; market: SimMarket; events: EngineEvent[] }> {
  const dir = tempDir();
  const clock = new TestClock();
  const real = SqliteStore.open(dir);
  const ledger = SqliteSimLedger.open(dir);
  const store = new Proxy(real, {
    get(target, prop) {
      if (prop === 'syncDeferred') return () => syncDeferred(real);
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const market = new SimMarket({ seed: 7, speed: 10, symbols: DEFAULT_SIM_SYMBOLS, clock, historyBars: 300 });
  const sim = new SimBroker({ ledger, market, clock });
  const [engine] = await Promise.all([Engine.start({ store, broker: sim, market, clock }), hooks.whileStarting?.()]);
  closers.push(async () => {
    hooks.beforeClose?.();
    await engine.shutdown();
    await sim.close();
    ledger.close();
    real.close();
  });
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { engine, ledger, market, events };
}

describe('engine: settled only after the disk has it, in order', () => {
  it('a turn publishes, and an order is sent, when its fsync returns; an event emitted meanwhile waits behind it', async () => {
    // the disk "answers" only when the test says so
    const gates: (() => void)[] = [];
    const releaseGates = (): void => {
      for (const g of gates.splice(0)) g();
    };
    // the start's own turns wait at the gate too
    const openGates = async (): Promise<void> => {
      for (let i = 0; i < 50; i++) {
        releaseGates();
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const { engine, ledger, market, events } = await engineOverDisk((real) => real.syncDeferred().then(() => new Promise<void>((r) => gates.push(r))), {
      whileStarting: openGates,
      beforeClose: releaseGates,
    });
    const submitted = engine.dispatch('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' });
    // bounded: the order's journal fsync reaches the gate (the real fsync first, on libuv's pool)
    for (let i = 0; i < 300 && gates.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(gates.length).toBeGreaterThan(0);
    market.step(1); // emits bars:tick at once, but it must not overtake the turn waiting for the disk
    await new Promise((r) => setTimeout(r, 5));
    expect(events.map((e) => e.name)).toEqual([]);
    // the order's journal row is not on disk yet: the broker has not heard of it
    expect(ledger.totalSubmissions().accepted).toBe(0);
    // whenSettled waits for the held fsync, and with it for the events behind it
    let settled = false;
    const whenSettled = engine.whenSettled().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(false);
    const unblock = setInterval(releaseGates, 1);
    try {
      expect(await submitted).toMatchObject({ ok: true });
      await whenSettled;
      expect(events.map((e) => e.name)).toContain('bars:tick');
    } finally {
      clearInterval(unblock);
    }
    expect(ledger.totalSubmissions().accepted).toBe(1);
    const names = events.map((e) => e.name);
    // in the order they were emitted: the account update of the order's turn (held with it), the
    // bar that came while the disk was busy, then the order, announced once its row is durable
    expect(names.slice(0, 2)).toEqual(['account:updated', 'bars:tick']);
    expect(names.indexOf('orders:updated')).toBeGreaterThan(1);
  });

  it('a fsync the disk refuses: the order waiting for it is not sent, trading halts with the storage alert', async () => {
    let refuse = false;
    const { engine, ledger, events } = await engineOverDisk(
      (real) => (refuse ? Promise.reject(asFsWriteError(real.file, Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))) : real.syncDeferred()),
      { beforeClose: () => (refuse = false) },
    );
    refuse = true;
    const r = await engine.dispatch('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ code: 'halted', message: expect.stringMatching(/journal entry could not be saved.*full/) });
    expect(ledger.totalSubmissions().accepted).toBe(0);
    expect(engine.state.tradingState).toMatchObject({ state: 'halted', latched: true, reason: expect.stringMatching(/storage failure: the disk holding .* is full/) });
    // a failed fsync settles too (reported, not hanging): whenSettled resolves
    await engine.whenSettled();
    expect(events.some((e) => e.name === 'alerts:raised')).toBe(true);
  });
});
