// The disk refuses the engine's writes while it trades on the simulator (real runtime, real
// SQLite on a temp directory): first a full disk, then a read-only store. What must hold:
// the failed commit is noticed, trading halts, no order reaches the broker without its
// committed journal row, the user is told what happened and what to do, the process does not
// crash, the emergency stop still works, and after the disk accepts writes again a restart on
// the same directory finds a sound file that reconciles with the broker, nothing sent twice.
//
// How the disk is made to refuse: SQLite's own limits on the store's connection (see
// storeConnection in helpers.ts), so the errors are SQLite's real SQLITE_FULL and
// SQLITE_READONLY raised from inside real transactions. The simulator's ledger stands for the
// remote broker and stays writable: a broker's books do not live on our disk.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRuntime, type SimRuntime } from '../../../electron/runtime';
import type { Alert, StopReport } from '../../../engine/domain/types';
import type { EngineEvent } from '../../../engine/api/contract';
import { expectConsistentAfterRestart, expectNoSubmissionWithoutJournalRow, journaledOrderIds, removeTempDirs, storeConnection, tempDir, until } from './helpers';

afterAll(removeTempDirs);

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

interface Trading {
  rt: SimRuntime;
  alerts: Alert[];
  /** results of the manual submits asked for while trading was halted for the disk */
  afterHalt: { ok: boolean; code?: string }[];
  stop(): void;
}

/** A fast simulator in autonomous mode, plus a resting limit order every 15 ms, like a busy session. */
async function startTrading(dataDir: string, seed: number): Promise<Trading> {
  const rt = await startRuntime({ dataDir, broker: 'sim', simSpeed: 400, simSeed: seed, housekeepingMs: 20 });
  const alerts: Alert[] = [];
  const afterHalt: { ok: boolean; code?: string }[] = [];
  rt.subscribe((e: EngineEvent) => {
    if (e.name === 'alerts:raised') alerts.push(e.payload);
  });
  const mode = await rt.dispatch('supervisor:set_mode', { mode: 'autonomous' });
  expect(mode.ok, JSON.stringify(mode)).toBe(true);
  const timer = setInterval(() => {
    const last = rt.market.lastPrice('SPY') ?? 100;
    // judged by the state when asked: an order asked for before the halt, journaled and sent, may
    // be answered after it (it was on disk before the disk filled)
    const askedWhileHalted = rt.engine.state.tradingState.reason.startsWith('storage failure');
    void rt.dispatch('orders:submit', { symbol: 'SPY', side: 'buy', qty: 1, type: 'limit', limitPrice: Math.round(last * 0.7) }).then((r) => {
      if (askedWhileHalted) afterHalt.push(r.ok ? { ok: true } : { ok: false, code: r.error.code });
    });
  }, 15);
  return { rt, alerts, afterHalt, stop: () => clearInterval(timer) };
}

/** Trade until the journal holds a few orders, so the fault lands while orders are flowing. */
async function tradeAWhile(t: Trading): Promise<void> {
  const flowing = await until(() => t.rt.store.listOrders('all', 100).length >= 8, 15_000);
  expect(flowing, 'orders must be flowing before the fault for the test to mean anything').toBe(true);
}

function storageAlert(alerts: Alert[]): Alert | undefined {
  return alerts.find((a) => a.level === 'critical' && a.message.startsWith('Trading halted:'));
}

describe('the disk refuses writes while trading on the simulator', () => {
  it('an order whose journal row cannot be committed is answered "not sent" and never reaches the broker', async () => {
    const dir = tempDir();
    const rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 50, simSeed: 3, housekeepingMs: 20 });
    try {
      const before = journaledOrderIds(dir).size;
      // trading is active and nothing else is writing: the order's journal insert is the write refused
      storeConnection(rt.store).pragma('query_only = ON');
      const last = rt.market.lastPrice('SPY') ?? 100;
      const r = await rt.dispatch('orders:submit', { symbol: 'SPY', side: 'buy', qty: 1, type: 'limit', limitPrice: Math.round(last * 0.7) });
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error).toMatchObject({ code: 'halted', message: expect.stringMatching(/^not sent: its journal entry could not be saved \(could not save to .*supervisor\.sqlite: the file or its directory is read-only/) });
      expect(rt.engine.state.tradingState.state).toBe('halted');
      expect(rt.engine.state.openOrders.size, 'the in-memory reservation is released').toBe(0);
      expect(rt.ledger.totalSubmissions()).toEqual({ accepted: 0, refused: 0 });
      expect(journaledOrderIds(dir).size).toBe(before);
      storeConnection(rt.store).pragma('query_only = OFF');
    } finally {
      await rt.shutdown();
    }
  }, 20_000);

  it('disk full: trading halts with a clear alert, nothing unjournaled is sent, the emergency stop still works, and a restart after freeing space is consistent', async () => {
    const dir = tempDir();
    const t = await startTrading(dir, 7);
    const { rt } = t;
    let restarted: SimRuntime | null = null;
    try {
      await tradeAWhile(t);
      const db = storeConnection(rt.store);
      // the disk is full from now on: the next write needing a new page fails with SQLITE_FULL
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);

      const halted = await until(() => rt.engine.state.tradingState.state === 'halted', 10_000);
      expect(halted, 'trading must halt once a commit fails').toBe(true);
      expect(rt.engine.state.tradingState).toMatchObject({ setBy: 'system', latched: true });
      expect(rt.engine.state.tradingState.reason).toMatch(/disk .* is full \(SQLITE_FULL\)/);
      expect(rt.engine.state.mode).toBe('manual');

      const alert = storageAlert(t.alerts);
      expect(alert, `alerts: ${JSON.stringify(t.alerts)}`).toBeDefined();
      // what happened (and which file), what was not saved, what to do
      expect(alert?.message).toContain(`${dir}/supervisor.sqlite is full`);
      expect(alert?.message).toMatch(/Not saved: (\d+ records? of the last engine turn|what was being written while)/);
      expect(alert?.message).toMatch(/NOT sent to the broker/);
      expect(alert?.message).toMatch(/Free space on that disk, then re-arm/);
      // the snapshot carries it too (for a window opened later)
      const snap = await rt.dispatch('app:snapshot', {});
      expect(snap.ok && (snap.value as { alerts: Alert[] }).alerts.some((a) => a.id === alert?.id)).toBe(true);

      // new orders keep being asked for; each is refused (halted, or an earlier risk limit), none is placed
      await until(() => t.afterHalt.length >= 3, 3_000);
      expect(t.afterHalt.length).toBeGreaterThan(0);
      expect(t.afterHalt.filter((r) => r.ok)).toEqual([]);
      expect(t.afterHalt.some((r) => r.code === 'halted')).toBe(true);

      // the emergency stop, with flatten, while the disk is still full
      const stop = await rt.dispatch('killswitch:engage', { source: 'ui', flatten: true });
      expect(stop.ok, JSON.stringify(stop)).toBe(true);
      const report = (stop as { value: StopReport }).value;
      expect(report.status, JSON.stringify(report.steps)).toBe('confirmed');
      // the halt row is updated in place, so it may still fit in the full file; whether it did is said
      expect(report.steps.find((s) => s.name === 'halt')?.detail).toMatch(/^halted and latched (in \d|in memory only: the halt could not be saved .*SQLITE_FULL)/);
      const open = await rt.broker.listOpenOrders();
      const positions = await rt.broker.listPositions();
      expect(open.ok && open.value.length).toBe(0);
      expect(positions.ok && positions.value.length).toBe(0);

      t.stop();
      const sent = expectNoSubmissionWithoutJournalRow(dir);
      expect(sent).toBeGreaterThan(0);

      // free space, then a clean shutdown: its commit saves the halt the full disk refused
      db.pragma('max_page_count = 4294967294');
      await rt.shutdown();
      expect(unhandled, 'unhandled rejections').toEqual([]);

      restarted = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 });
      expect(restarted.engine.state.tradingState).toMatchObject({ state: 'halted', latched: true });
      await expectConsistentAfterRestart(restarted);
      expectNoSubmissionWithoutJournalRow(dir);
      const rearm = await restarted.dispatch('killswitch:rearm', { reason: 'space freed' });
      expect(rearm.ok, JSON.stringify(rearm)).toBe(true);
    } finally {
      t.stop();
      await rt.shutdown();
      await restarted?.shutdown();
    }
  }, 40_000);

  it('read-only store: trading halts with a clear alert, re-arming is refused while it lasts and works once writable, then trading resumes', async () => {
    const dir = tempDir();
    const t = await startTrading(dir, 11);
    const { rt } = t;
    let restarted: SimRuntime | null = null;
    try {
      await tradeAWhile(t);
      const db = storeConnection(rt.store);
      // every write on the store's connection now fails with SQLITE_READONLY
      db.pragma('query_only = ON');

      expect(await until(() => rt.engine.state.tradingState.state === 'halted', 10_000), 'trading must halt').toBe(true);
      const alert = storageAlert(t.alerts);
      expect(alert, `alerts: ${JSON.stringify(t.alerts)}`).toBeDefined();
      expect(alert?.message).toMatch(/data directory or .*supervisor\.sqlite is read-only \(SQLITE_READONLY\)/);
      expect(alert?.message).toMatch(/Make the data directory and its files writable again .*, then re-arm/);
      // one alert per episode, however many writes keep failing
      await new Promise((r) => setTimeout(r, 300));
      expect(t.alerts.filter((a) => a.message.startsWith('Trading halted:'))).toHaveLength(1);

      const early = await rt.dispatch('killswitch:rearm', { reason: 'too soon' });
      expect(early.ok).toBe(false);
      expect(!early.ok && early.error.message).toMatch(/read-only.*Trading is halted until the disk accepts writes again/);
      expect(rt.engine.state.tradingState.state).toBe('halted');

      // the emergency stop while read-only: the halt cannot be saved, the cancels still go out
      const stop = await rt.dispatch('killswitch:engage', { source: 'ui', flatten: false });
      expect(stop.ok, JSON.stringify(stop)).toBe(true);
      const report = (stop as { value: StopReport }).value;
      expect(report.status, JSON.stringify(report.steps)).toBe('confirmed');
      expect(report.steps.find((s) => s.name === 'halt')?.detail).toMatch(/in memory only: the halt could not be saved \(could not save to .*supervisor\.sqlite: the file or its directory is read-only \(SQLITE_READONLY/);
      const open = await rt.broker.listOpenOrders();
      expect(open.ok && open.value.length).toBe(0);

      t.stop();
      expectNoSubmissionWithoutJournalRow(dir);

      db.pragma('query_only = OFF');
      const rearm = await rt.dispatch('killswitch:rearm', { reason: 'permissions fixed' });
      expect(rearm.ok, JSON.stringify(rearm)).toBe(true);
      const mode = await rt.dispatch('supervisor:set_mode', { mode: 'autonomous' });
      expect(mode.ok, JSON.stringify(mode)).toBe(true);
      // trading resumes: a new order is journaled and sent
      const before = journaledOrderIds(dir).size;
      const last = rt.market.lastPrice('SPY') ?? 100;
      const placed = await rt.dispatch('orders:submit', { symbol: 'SPY', side: 'buy', qty: 1, type: 'limit', limitPrice: Math.round(last * 0.7) });
      expect(placed.ok, JSON.stringify(placed)).toBe(true);
      expect(journaledOrderIds(dir).size).toBeGreaterThan(before);

      await rt.shutdown();
      expect(unhandled, 'unhandled rejections').toEqual([]);
      restarted = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 });
      await expectConsistentAfterRestart(restarted);
      expectNoSubmissionWithoutJournalRow(dir);
    } finally {
      t.stop();
      await rt.shutdown();
      await restarted?.shutdown();
    }
  }, 40_000);
});
