// Shared pieces of the disk-fault tests: temp data directories, the store's own SQLite
// connection (to make SQLite itself refuse writes), and the consistency checks after a restart.
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { SimRuntime } from '../../../electron/runtime';
import type { SqliteStore } from '../../../db/SqliteStore';

const dirs: string[] = [];

export function tempDir(prefix = 'disk-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * The store's own connection, the one the engine writes through. The tests set pragmas on it
 * that make SQLite itself refuse writes with its real error codes: `max_page_count` at the
 * current size gives SQLITE_FULL exactly where a full disk would (a write needing one more
 * page), and `query_only` gives SQLITE_READONLY, the code of a read-only file.
 */
export function storeConnection(store: SqliteStore): SqliteDatabase {
  const db = (store as unknown as { db: SqliteDatabase }).db;
  if (!db?.open) throw new Error('the store has no open connection field "db": db/SqliteStore.ts changed, update this helper');
  return db;
}

/** Poll `cond` every 20 ms until it holds or `ms` pass; returns whether it held. */
export async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/**
 * Every client order id the simulated broker ever received, read from its ledger file through
 * a separate read-only connection (what is committed, not what a connection has in memory).
 */
export function brokerSubmissions(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'simulator.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT DISTINCT client_order_id FROM sim_submissions').pluck().all() as string[];
  } finally {
    db.close();
  }
}

/** The client order ids committed to the store's order journal, read the same way. */
export function journaledOrderIds(dataDir: string): Set<string> {
  const db = new Database(join(dataDir, 'supervisor.sqlite'), { readonly: true });
  try {
    return new Set(db.prepare('SELECT client_order_id FROM orders').pluck().all() as string[]);
  } finally {
    db.close();
  }
}

/** The invariant of the journal: nothing reached the broker without its committed journal row. */
export function expectNoSubmissionWithoutJournalRow(dataDir: string): number {
  const journal = journaledOrderIds(dataDir);
  const sent = brokerSubmissions(dataDir);
  const orphans = sent.filter((id) => !journal.has(id));
  expect(orphans, 'orders the broker received that have no committed journal row').toEqual([]);
  return sent.length;
}

/**
 * After a restart on the same directory: the file passes integrity_check, the differences the
 * broker shows are taken in (adopt, as the user would), and then positions and open orders
 * match the broker, with no client order id sent twice.
 */
export async function expectConsistentAfterRestart(rt: SimRuntime): Promise<void> {
  const integrity = storeConnection(rt.store).pragma('integrity_check', { simple: true });
  expect(integrity).toBe('ok');
  rt.market.stop(); // a still picture to compare
  await new Promise((r) => setTimeout(r, 50)); // owed simulator fills land
  await rt.dispatch('reconcile:run', {});
  for (const item of rt.engine.state.reconciliation.filter((i) => i.resolution === null)) {
    const r = await rt.dispatch('reconcile:resolve', { id: item.id, action: 'adopt' });
    expect(r.ok, `adopting ${item.id}: ${JSON.stringify(r)}`).toBe(true);
  }
  const brokerPositions = await rt.broker.listPositions();
  const brokerOpen = await rt.broker.listOpenOrders();
  if (!brokerPositions.ok || !brokerOpen.ok) throw new Error('the simulator did not answer');
  const mine = Object.fromEntries([...rt.engine.state.positions.values()].map((p) => [p.symbol, p.qty]));
  const theirs = Object.fromEntries(brokerPositions.value.map((p) => [p.symbol, p.qty]));
  expect(mine).toEqual(theirs);
  expect([...rt.engine.state.openOrders.keys()].sort()).toEqual(brokerOpen.value.map((o) => o.clientOrderId).sort());
  expect(rt.ledger.totalSubmissions().refused, 'a client order id the broker saw twice').toBe(0);
  for (const o of rt.store.listOrders('all', 100_000)) expect(rt.ledger.submissionsFor(o.clientOrderId)).toBeLessThanOrEqual(1);
}
