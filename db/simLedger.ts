// The simulated broker's own books, in their own file (<dataDir>/simulator.sqlite). It stands
// in for a remote broker, so its writes are as durable as the journal's: after a crash it
// remembers what it accepted and filled, even when our journal does not.
import type { Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Fill, OrderStatus, OrderType, Side } from '../engine/domain/types';
import type { SimLedger, SimLedgerState, SimMarketCursor, SimOrderRow, SimPositionRow } from '../engine/sim/ledger';
import { StoreInputError } from './errors';
import { simLedgerMigrations } from './migrations/sim';
import { openDatabase } from './open';
import { ORDER_STATUSES, ORDER_TYPES, SIDES } from './repositories/orders';
import { finite, finiteOrNull, nonNegative, oneOf, positive, text, time } from './repositories/validate';

export const SIM_LEDGER_FILE_NAME = 'simulator.sqlite';

interface SimOrderDbRow {
  broker_order_id: string;
  client_order_id: string;
  symbol: string;
  side: Side;
  type: OrderType;
  qty: number;
  limit_price: number | null;
  stop_price: number | null;
  bracket_stop_loss: number | null;
  bracket_take_profit: number | null;
  status: OrderStatus;
  filled_qty: number;
  avg_fill_price: number | null;
  created_at: number;
  updated_at: number;
}

interface MetaRow {
  cash: number;
  next_order_seq: number;
  next_fill_seq: number;
}

interface CursorRow {
  symbol: string;
  idx: number;
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

function orderFromRow(r: SimOrderDbRow): SimOrderRow {
  return {
    brokerOrderId: r.broker_order_id,
    clientOrderId: r.client_order_id,
    symbol: r.symbol,
    side: r.side,
    type: r.type,
    qty: r.qty,
    limitPrice: r.limit_price,
    // optional fields: present only when set, so a plain order reads back exactly as written
    ...(r.stop_price !== null ? { stopPrice: r.stop_price } : {}),
    ...(r.bracket_stop_loss !== null && r.bracket_take_profit !== null ? { bracket: { stopLoss: r.bracket_stop_loss, takeProfit: r.bracket_take_profit } } : {}),
    status: r.status,
    filledQty: r.filled_qty,
    avgFillPrice: r.avg_fill_price,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function orderToRow(o: SimOrderRow): SimOrderDbRow {
  const id = `simulated order ${JSON.stringify(o.brokerOrderId)}`;
  return {
    broker_order_id: text('brokerOrderId', o.brokerOrderId),
    client_order_id: text(`${id} clientOrderId`, o.clientOrderId),
    symbol: text(`${id} symbol`, o.symbol),
    side: oneOf(`${id} side`, SIDES, o.side),
    type: oneOf(`${id} type`, ORDER_TYPES, o.type),
    qty: positive(`${id} qty`, o.qty),
    limit_price: finiteOrNull(`${id} limitPrice`, o.limitPrice),
    stop_price: finiteOrNull(`${id} stopPrice`, o.stopPrice ?? null),
    bracket_stop_loss: finiteOrNull(`${id} bracket.stopLoss`, o.bracket?.stopLoss ?? null),
    bracket_take_profit: finiteOrNull(`${id} bracket.takeProfit`, o.bracket?.takeProfit ?? null),
    status: oneOf(`${id} status`, ORDER_STATUSES, o.status),
    filled_qty: nonNegative(`${id} filledQty`, o.filledQty),
    avg_fill_price: finiteOrNull(`${id} avgFillPrice`, o.avgFillPrice),
    created_at: time(`${id} createdAt`, o.createdAt),
    updated_at: time(`${id} updatedAt`, o.updatedAt),
  };
}

function seqArg(what: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new StoreInputError(`${what} must be a non-negative integer, got ${String(v)}`);
  return v;
}

function prepareSimStatements(db: Database) {
  return {
    getMeta: db.prepare<[], MetaRow>('SELECT cash, next_order_seq, next_fill_seq FROM sim_meta WHERE id = 1'),
    insertMeta: db.prepare<[number, number]>(
      'INSERT INTO sim_meta (id, cash, next_order_seq, next_fill_seq, created_at) VALUES (1, ?, 1, 1, ?)',
    ),
    updateCashAndFillSeq: db.prepare<[number, number]>('UPDATE sim_meta SET cash = ?, next_fill_seq = ? WHERE id = 1'),
    bumpOrderSeq: db.prepare('UPDATE sim_meta SET next_order_seq = max(next_order_seq, @next) WHERE id = 1'),
    upsertOrder: db.prepare(`
      INSERT INTO sim_orders (broker_order_id, client_order_id, symbol, side, type, qty, limit_price, stop_price,
        bracket_stop_loss, bracket_take_profit, status, filled_qty, avg_fill_price, created_at, updated_at)
      VALUES (@broker_order_id, @client_order_id, @symbol, @side, @type, @qty, @limit_price, @stop_price,
        @bracket_stop_loss, @bracket_take_profit, @status, @filled_qty, @avg_fill_price, @created_at, @updated_at)
      ON CONFLICT (broker_order_id) DO UPDATE SET status = excluded.status, filled_qty = excluded.filled_qty,
        avg_fill_price = excluded.avg_fill_price, limit_price = excluded.limit_price, updated_at = excluded.updated_at`),
    orderByClientId: db.prepare<[string], SimOrderDbRow>('SELECT * FROM sim_orders WHERE client_order_id = ?'),
    openOrders: db.prepare<[], SimOrderDbRow>(
      "SELECT * FROM sim_orders WHERE status IN ('pending_submit', 'accepted', 'partially_filled', 'pending_cancel') ORDER BY created_at, rowid",
    ),
    insertFill: db.prepare(`
      INSERT INTO sim_fills (fill_id, client_order_id, symbol, side, qty, price, commission, time)
      VALUES (@fill_id, @client_order_id, @symbol, @side, @qty, @price, @commission, @time)`),
    upsertPosition: db.prepare<[string, number, number]>(`
      INSERT INTO sim_positions (symbol, qty, avg_entry_price) VALUES (?, ?, ?)
      ON CONFLICT (symbol) DO UPDATE SET qty = excluded.qty, avg_entry_price = excluded.avg_entry_price`),
    deletePosition: db.prepare<[string]>('DELETE FROM sim_positions WHERE symbol = ?'),
    positions: db.prepare<[], { symbol: string; qty: number; avg_entry_price: number }>(
      'SELECT symbol, qty, avg_entry_price FROM sim_positions ORDER BY symbol',
    ),
    upsertCursor: db.prepare(`
      INSERT INTO sim_cursors (symbol, idx, t, o, h, l, c, v) VALUES (@symbol, @idx, @t, @o, @h, @l, @c, @v)
      ON CONFLICT (symbol) DO UPDATE SET idx = excluded.idx, t = excluded.t, o = excluded.o, h = excluded.h,
        l = excluded.l, c = excluded.c, v = excluded.v`),
    cursors: db.prepare<[], CursorRow>('SELECT * FROM sim_cursors ORDER BY symbol'),
    insertSubmission: db.prepare<[string, number, number]>('INSERT INTO sim_submissions (client_order_id, accepted, at) VALUES (?, ?, ?)'),
    submissionsFor: db.prepare<[string], number>('SELECT count(*) FROM sim_submissions WHERE client_order_id = ?').pluck(),
    commissionFor: db.prepare<[string], number | null>('SELECT sum(commission) FROM sim_fills WHERE client_order_id = ?').pluck(),
    totals: db.prepare<[], { accepted: number | null; refused: number | null }>(
      'SELECT sum(accepted) AS accepted, sum(1 - accepted) AS refused FROM sim_submissions',
    ),
  };
}

/**
 * The ledger has no separate "next order seq" write: the simulator numbers its orders
 * ("sim-00000042") and saves every order it numbers, so the next seq follows from the ids saved.
 */
function orderSeqOf(brokerOrderId: string): number | null {
  const m = /(\d+)$/.exec(brokerOrderId);
  return m === null ? null : Number(m[1]) + 1;
}

export class SqliteSimLedger implements SimLedger {
  private readonly st: ReturnType<typeof prepareSimStatements>;
  private readonly loadTx: () => SimLedgerState | null;
  private readonly saveOrdersTx: (orders: SimOrderRow[]) => void;
  private readonly applyFillTx: (args: Parameters<SimLedger['applyFill']>[0]) => void;
  private readonly saveCursorsTx: (cursors: SimMarketCursor[]) => void;

  constructor(private readonly db: Database) {
    const st = prepareSimStatements(db);
    this.st = st;

    this.loadTx = db.transaction((): SimLedgerState | null => {
      const meta = st.getMeta.get();
      if (meta === undefined) return null;
      return {
        cash: meta.cash,
        positions: st.positions.all().map((p) => ({ symbol: p.symbol, qty: p.qty, avgEntryPrice: p.avg_entry_price })),
        openOrders: st.openOrders.all().map(orderFromRow),
        cursors: st.cursors.all().map((c) => ({ symbol: c.symbol, index: c.idx, lastBar: { t: c.t, o: c.o, h: c.h, l: c.l, c: c.c, v: c.v } })),
        nextOrderSeq: meta.next_order_seq,
        nextFillSeq: meta.next_fill_seq,
      };
    });

    this.saveOrdersTx = db.transaction((orders: SimOrderRow[]) => {
      const rows = orders.map(orderToRow);
      for (const row of rows) {
        st.upsertOrder.run(row);
        const next = orderSeqOf(row.broker_order_id);
        if (next !== null) st.bumpOrderSeq.run({ next });
      }
    });

    this.applyFillTx = db.transaction((args: Parameters<SimLedger['applyFill']>[0]) => {
      const { fill, order, position, cash, nextFillSeq } = args;
      if (fill.clientOrderId !== order.clientOrderId) {
        throw new StoreInputError(`simulator applyFill: fill ${fill.fillId} is for order ${fill.clientOrderId}, not ${order.clientOrderId}`);
      }
      if (position.symbol !== fill.symbol) {
        throw new StoreInputError(`simulator applyFill: fill ${fill.fillId} is for ${fill.symbol}, the position for ${position.symbol}`);
      }
      this.requireInitialized();
      st.insertFill.run(fillParams(fill));
      st.upsertOrder.run(orderToRow(order));
      const qty = finite(`simulated position ${position.symbol} qty`, position.qty);
      if (qty === 0) st.deletePosition.run(position.symbol);
      else st.upsertPosition.run(position.symbol, qty, finite(`simulated position ${position.symbol} avgEntryPrice`, position.avgEntryPrice));
      st.updateCashAndFillSeq.run(finite('simulator cash', cash), seqArg('nextFillSeq', nextFillSeq));
    });

    this.saveCursorsTx = db.transaction((cursors: SimMarketCursor[]) => {
      for (const c of cursors) {
        const id = `market cursor of ${c.symbol}`;
        const b = c.lastBar;
        st.upsertCursor.run({
          symbol: text('cursor symbol', c.symbol),
          idx: seqArg(`${id} index`, c.index),
          t: time(`${id} lastBar.t`, b.t),
          o: finite(`${id} lastBar.o`, b.o),
          h: finite(`${id} lastBar.h`, b.h),
          l: finite(`${id} lastBar.l`, b.l),
          c: finite(`${id} lastBar.c`, b.c),
          v: finite(`${id} lastBar.v`, b.v),
        });
      }
    });
  }

  /** Open (creating and migrating as needed) `<dataDir>/simulator.sqlite`. */
  static open(dataDir: string, opts: { nativeBinding?: string } = {}): SqliteSimLedger {
    mkdirSync(dataDir, { recursive: true });
    const db = openDatabase(join(dataDir, SIM_LEDGER_FILE_NAME), { migrations: simLedgerMigrations, ...opts });
    // The simulator stands in for a remote broker: its books must survive our process being
    // killed (WAL + NORMAL does: commits reach the OS before returning), but paying an fsync per
    // simulated order would charge the engine thread for durability a real broker provides itself.
    db.pragma('synchronous = NORMAL');
    return new SqliteSimLedger(db);
  }

  private requireInitialized(): void {
    if (this.st.getMeta.get() === undefined) throw new StoreInputError('the simulator ledger is not initialized: call init(cash) first');
  }

  load(): SimLedgerState | null {
    return this.loadTx();
  }

  /** Start a fresh ledger with `cash`; refuses to reset one that already exists. */
  init(cash: number): void {
    if (this.st.getMeta.get() !== undefined) {
      throw new StoreInputError('the simulator ledger is already initialized; delete simulator.sqlite to start a new simulated account');
    }
    this.st.insertMeta.run(finite('initial cash', cash), Date.now());
  }

  recordSubmission(clientOrderId: string, accepted: boolean, at: number): void {
    this.st.insertSubmission.run(text('clientOrderId', clientOrderId), accepted ? 1 : 0, time('submission time', at));
  }

  submissionsFor(clientOrderId: string): number {
    return this.st.submissionsFor.get(clientOrderId) ?? 0;
  }

  commissionFor(clientOrderId: string): number {
    return this.st.commissionFor.get(clientOrderId) ?? 0;
  }

  totalSubmissions(): { accepted: number; refused: number } {
    const r = this.st.totals.get();
    return { accepted: r?.accepted ?? 0, refused: r?.refused ?? 0 };
  }

  saveOrders(orders: SimOrderRow[]): void {
    this.saveOrdersTx(orders);
  }

  getOrderByClientId(clientOrderId: string): SimOrderRow | null {
    const r = this.st.orderByClientId.get(clientOrderId);
    return r === undefined ? null : orderFromRow(r);
  }

  /** Throws on a fillId it has already recorded: the simulator never fills twice. */
  applyFill(args: { fill: Fill; order: SimOrderRow; position: SimPositionRow; cash: number; nextFillSeq: number }): void {
    this.applyFillTx(args);
  }

  saveCursors(cursors: SimMarketCursor[]): void {
    this.saveCursorsTx(cursors);
  }

  /** the database file, for the background checkpointer */
  get file(): string {
    return this.db.name;
  }

  /**
   * A WalCheckpointer takes over checkpoints: commits on this connection no longer run them
   * (see db/checkpointer.ts for why).
   */
  disableAutoCheckpoint(): void {
    this.db.pragma('wal_autocheckpoint = 0');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function fillParams(f: Fill) {
  const id = `simulated fill ${JSON.stringify(f.fillId)}`;
  return {
    fill_id: text('fillId', f.fillId),
    client_order_id: text(`${id} clientOrderId`, f.clientOrderId),
    symbol: text(`${id} symbol`, f.symbol),
    side: oneOf(`${id} side`, SIDES, f.side),
    qty: positive(`${id} qty`, f.qty),
    price: finite(`${id} price`, f.price),
    commission: nonNegative(`${id} commission`, f.commission),
    time: time(`${id} time`, f.time),
  };
}
