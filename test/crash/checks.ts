// The checks after each restart: the journal (supervisor.sqlite) and the restarted engine's
// view against the broker's own books (the simulator's ledger file, or the emulator's memory),
// the trading state against what was durable before the kill, and SQLite's integrity check.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TradingStateRecord } from '../../engine/domain/types';
import type { Emulator } from '../emulator/server';
import type { Snapshot } from './protocol';

const QTY_EPS = 1e-6;
const CASH_EPS = 0.01;
export const STORE_FILE = 'supervisor.sqlite';
export const SIM_LEDGER_FILE = 'simulator.sqlite';

export interface Counters {
  duplicates: number;
  lost: number;
  doubleApplied: number;
  mismatches: number;
  integrityFailures: number;
  latchViolations: number;
}

export const zeroCounters = (): Counters => ({ duplicates: 0, lost: 0, doubleApplied: 0, mismatches: 0, integrityFailures: 0, latchViolations: 0 });

/** One broken invariant, with what to look at. */
export interface Finding {
  counter: keyof Counters;
  what: string;
}

/** The broker's books, whichever broker it is. */
export interface BrokerBooks {
  /** submissions per client_order_id, refused ones included: more than one is a resend */
  submissions: Map<string, number>;
  orders: Map<string, { open: boolean; filledQty: number; status: string }>;
  positions: Record<string, number>;
  cash: number;
}

const SIM_OPEN = new Set(['pending_submit', 'accepted', 'partially_filled', 'pending_cancel']);
const EMU_OPEN = new Set(['new', 'partially_filled', 'held', 'accepted', 'pending_new']);

function openRo(file: string): Database.Database {
  if (!existsSync(file)) throw new Error(`${file} does not exist: the child never created its data directory`);
  return new Database(file, { readonly: true, fileMustExist: true });
}

export function simBooks(dataDir: string): BrokerBooks {
  const db = openRo(join(dataDir, SIM_LEDGER_FILE));
  try {
    const submissions = new Map(db.prepare<[], { id: string; n: number }>('SELECT client_order_id AS id, count(*) AS n FROM sim_submissions GROUP BY client_order_id').all().map((r) => [r.id, r.n]));
    const orders = new Map(
      db.prepare<[], { id: string; status: string; filled: number }>('SELECT client_order_id AS id, status, filled_qty AS filled FROM sim_orders').all().map((r) => [r.id, { open: SIM_OPEN.has(r.status), filledQty: r.filled, status: r.status }]),
    );
    const positions = Object.fromEntries(db.prepare<[], { symbol: string; qty: number }>('SELECT symbol, qty FROM sim_positions WHERE qty != 0').all().map((r) => [r.symbol, r.qty]));
    const cash = db.prepare<[], number>('SELECT cash FROM sim_meta WHERE id = 1').pluck().get() ?? Number.NaN;
    return { submissions, orders, positions, cash };
  } finally {
    db.close();
  }
}

/** Records every client_order_id the emulator is asked to accept (refused ones too). */
export function recordEmulatorSubmissions(emu: Emulator): Map<string, number> {
  const seen = new Map<string, number>();
  const ex = emu.exchange;
  const submit = ex.submit.bind(ex);
  ex.submit = (body: Record<string, unknown>) => {
    const id = body.client_order_id;
    if (typeof id === 'string') seen.set(id, (seen.get(id) ?? 0) + 1);
    return submit(body);
  };
  return seen;
}

export function emulatorBooks(emu: Emulator, submissions: Map<string, number>): BrokerBooks {
  const orders = new Map(emu.exchange.listOrders().map((o) => [o.clientOrderId, { open: EMU_OPEN.has(o.status), filledQty: o.filledQty, status: o.status }]));
  const positions = Object.fromEntries([...emu.exchange.positions.values()].map((p) => [p.symbol, p.qty]));
  return { submissions: new Map(submissions), orders, positions, cash: emu.exchange.cash };
}

/** `PRAGMA integrity_check` on each SQLite file of the data directory; problems, or none. */
export function integrityProblems(dataDir: string, files: string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const db = openRo(join(dataDir, f));
    try {
      const rows = db.prepare<[], string>('PRAGMA integrity_check').pluck().all();
      if (rows.length !== 1 || rows[0] !== 'ok') out.push(`${f}: ${rows.slice(0, 3).join('; ')}`);
    } finally {
      db.close();
    }
  }
  return out;
}

/** The trading state as committed in the journal (null before the first start). */
export function durableTradingState(dataDir: string): TradingStateRecord | null {
  if (!existsSync(join(dataDir, STORE_FILE))) return null;
  const db = openRo(join(dataDir, STORE_FILE));
  try {
    const r = db.prepare<[], { state: TradingStateRecord['state']; set_by: TradingStateRecord['setBy']; reason: string; at: number; latched: number }>('SELECT state, set_by, reason, at, latched FROM trading_state WHERE id = 1').get();
    return r ? { state: r.state, setBy: r.set_by, reason: r.reason, at: r.at, latched: r.latched === 1 } : null;
  } finally {
    db.close();
  }
}

export const sameState = (a: TradingStateRecord | null, b: TradingStateRecord | null): boolean =>
  a !== null && b !== null && a.state === b.state && a.latched === b.latched && a.setBy === b.setBy && a.reason === b.reason && a.at === b.at;

const RESTRICTIVENESS = { active: 0, reducing: 1, halted: 2 } as const;

/**
 * A state set after the restart by a breaker or the system (stale data while the simulator warms
 * up, drawdown), no less restrictive than the committed one and keeping its latch, is new news,
 * not a lost state.
 */
export const laterBreaker = (now: TradingStateRecord | null, committed: TradingStateRecord): boolean =>
  now !== null &&
  now.at > committed.at &&
  now.setBy !== 'user' &&
  RESTRICTIVENESS[now.state] >= RESTRICTIVENESS[committed.state] &&
  (now.latched || !committed.latched);

const fmt = (r: TradingStateRecord | null): string => (r ? `${r.state}${r.latched ? ' (latched)' : ''} by ${r.setBy} at ${r.at}` : 'none');

/**
 * What the child said about its trading state before the kill: the last committed record, and a
 * record whose write began but was not reported committed (the kill may have landed on either side).
 */
export interface ExpectedState {
  durable: TradingStateRecord | null;
  inFlight: TradingStateRecord | null;
}

/** The committed trading state must be what the child last committed (or the write in flight). */
export function checkTradingState(expected: ExpectedState, onDisk: TradingStateRecord | null): Finding[] {
  if (expected.durable === null) return []; // the child died before its first start completed
  if (sameState(onDisk, expected.durable) || (expected.inFlight && sameState(onDisk, expected.inFlight))) return [];
  const latchLost = expected.durable.latched && !(onDisk?.latched ?? false) && !(expected.inFlight && sameState(onDisk, expected.inFlight));
  return [
    {
      counter: 'latchViolations',
      what: `${latchLost ? 'the emergency-stop latch was lost: ' : ''}trading state on disk is ${fmt(onDisk)}, but the child last committed ${fmt(expected.durable)}${expected.inFlight ? ` (and was writing ${fmt(expected.inFlight)})` : ''}`,
    },
  ];
}

/** The journal and the restarted engine against the broker's books. */
export function checkAgainstBroker(dataDir: string, books: BrokerBooks, snap: Snapshot, durable: TradingStateRecord | null): Finding[] {
  const f: Finding[] = [];
  for (const [id, n] of books.submissions) if (n > 1) f.push({ counter: 'duplicates', what: `the broker was asked ${n} times for client_order_id ${id}` });

  const db = openRo(join(dataDir, STORE_FILE));
  try {
    const journal = new Map(
      db.prepare<[], { id: string; status: string; filled: number; origin: string }>('SELECT client_order_id AS id, status, filled_qty AS filled, origin FROM orders').all().map((r) => [r.id, r]),
    );
    const fillQty = new Map(db.prepare<[], { id: string; q: number }>('SELECT client_order_id AS id, sum(qty) AS q FROM fills GROUP BY client_order_id').all().map((r) => [r.id, r.q]));
    const positions = Object.fromEntries(db.prepare<[], { symbol: string; qty: number }>('SELECT symbol, qty FROM positions WHERE qty != 0').all().map((r) => [r.symbol, r.qty]));
    const cash = db.prepare<[], number>('SELECT cash FROM account WHERE id = 1').pluck().get() ?? Number.NaN;
    const journalOpen = new Set([...journal.values()].filter((o) => SIM_OPEN.has(o.status)).map((o) => o.id));

    for (const [id, b] of books.orders) {
      const j = journal.get(id);
      if (!j) {
        f.push({ counter: 'mismatches', what: `broker order ${id} (${b.status}, filled ${b.filledQty}) is not in the journal` });
        continue;
      }
      const mine = fillQty.get(id) ?? 0;
      if (b.filledQty - mine > QTY_EPS) f.push({ counter: 'lost', what: `order ${id}: the broker filled ${b.filledQty}, the journal has fills for ${mine}` });
      else if (mine - b.filledQty > QTY_EPS) f.push({ counter: 'doubleApplied', what: `order ${id}: the journal has fills for ${mine}, the broker filled only ${b.filledQty}` });
      if (Math.abs(j.filled - mine) > QTY_EPS) f.push({ counter: 'mismatches', what: `order ${id}: journal filled_qty ${j.filled} disagrees with its own fills (${mine})` });
      if (b.open !== journalOpen.has(id)) f.push({ counter: 'mismatches', what: `order ${id} is ${b.status} at the broker but ${j.status} in the journal` });
    }
    for (const [id, q] of fillQty) {
      if (!books.orders.has(id)) f.push({ counter: 'doubleApplied', what: `the journal has fills for ${q} on order ${id}, which the broker never had` });
    }
    for (const id of journalOpen) if (!books.orders.has(id)) f.push({ counter: 'mismatches', what: `order ${id} is open in the journal but unknown to the broker` });

    const diff = (a: Record<string, number>, b: Record<string, number>): string[] =>
      [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((s) => Math.abs((a[s] ?? 0) - (b[s] ?? 0)) > QTY_EPS).map((s) => `${s} ${a[s] ?? 0} vs ${b[s] ?? 0}`);
    const pj = diff(positions, books.positions);
    if (pj.length > 0) f.push({ counter: 'mismatches', what: `journal positions differ from the broker's: ${pj.join(', ')}` });
    if (!(Math.abs(cash - books.cash) <= CASH_EPS)) f.push({ counter: 'mismatches', what: `journal cash ${cash.toFixed(4)} differs from the broker's ${books.cash.toFixed(4)}` });

    // the restarted engine's own view
    const pe = diff(snap.positions, books.positions);
    if (pe.length > 0) f.push({ counter: 'mismatches', what: `the restarted engine's positions differ from the broker's: ${pe.join(', ')}` });
    if (!(Math.abs(snap.cash - books.cash) <= CASH_EPS)) f.push({ counter: 'mismatches', what: `the restarted engine's cash ${snap.cash.toFixed(4)} differs from the broker's ${books.cash.toFixed(4)}` });
    const brokerOpen = [...books.orders].filter(([, b]) => b.open).map(([id]) => id).sort();
    if (JSON.stringify(brokerOpen) !== JSON.stringify(snap.openOrders)) f.push({ counter: 'mismatches', what: `the restarted engine's open orders [${snap.openOrders.join(', ')}] differ from the broker's [${brokerOpen.join(', ')}]` });
    if (snap.unresolved.length > 0) f.push({ counter: 'mismatches', what: `reconciliation left differences for the user: ${snap.unresolved.slice(0, 3).join('; ')}` });
    if (snap.mode !== 'manual') f.push({ counter: 'mismatches', what: `the engine restarted in ${snap.mode} mode; it must always start manual` });
    if (durable && !sameState(snap.tradingState, durable) && !laterBreaker(snap.tradingState, durable)) {
      f.push({ counter: 'latchViolations', what: `the restarted engine reports ${fmt(snap.tradingState)}, but ${fmt(durable)} was committed` });
    }
  } finally {
    db.close();
  }
  return f;
}
