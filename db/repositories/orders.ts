// The order journal: intents are inserted before sending; broker events patch them.
import type { Database } from 'better-sqlite3';
import { ORDER_ORIGINS, type OrderOrigin, type OrderRecord, type OrderStatus, type OrderType, type Side, type TimeInForce } from '../../engine/domain/types';
import type { OrderPatch } from '../../engine/ports';
import { StoreInputError } from '../errors';
import { finiteOrNull, limitArg, nonNegative, oneOf, positive, text, time } from './validate';

export const SIDES: readonly Side[] = ['buy', 'sell'];
export const ORDER_TYPES: readonly OrderType[] = ['market', 'limit', 'stop', 'stop_limit'];
export const TIFS: readonly TimeInForce[] = ['day', 'gtc', 'ioc'];
export const ORIGINS: readonly OrderOrigin[] = ORDER_ORIGINS;
export const ORDER_STATUSES: readonly OrderStatus[] = [
  'pending_submit',
  'accepted',
  'partially_filled',
  'filled',
  'pending_cancel',
  'canceled',
  'rejected',
  'expired',
  'unsent',
];

interface OrderRow {
  client_order_id: string;
  broker_order_id: string | null;
  symbol: string;
  side: Side;
  type: OrderType;
  qty: number;
  limit_price: number | null;
  stop_price: number | null;
  tif: TimeInForce;
  status: OrderStatus;
  filled_qty: number;
  avg_fill_price: number | null;
  origin: OrderOrigin;
  strategy_id: string | null;
  reason: string;
  status_reason: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(r: OrderRow): OrderRecord {
  return {
    clientOrderId: r.client_order_id,
    brokerOrderId: r.broker_order_id,
    symbol: r.symbol,
    side: r.side,
    type: r.type,
    qty: r.qty,
    limitPrice: r.limit_price,
    stopPrice: r.stop_price,
    tif: r.tif,
    status: r.status,
    filledQty: r.filled_qty,
    avgFillPrice: r.avg_fill_price,
    origin: r.origin,
    strategyId: r.strategy_id,
    reason: r.reason,
    statusReason: r.status_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRow(o: OrderRecord): OrderRow {
  const id = `order ${JSON.stringify(o.clientOrderId)}`;
  return {
    client_order_id: text('clientOrderId', o.clientOrderId),
    broker_order_id: o.brokerOrderId,
    symbol: text(`${id} symbol`, o.symbol),
    side: oneOf(`${id} side`, SIDES, o.side),
    type: oneOf(`${id} type`, ORDER_TYPES, o.type),
    qty: positive(`${id} qty`, o.qty),
    limit_price: finiteOrNull(`${id} limitPrice`, o.limitPrice),
    stop_price: finiteOrNull(`${id} stopPrice`, o.stopPrice),
    tif: oneOf(`${id} tif`, TIFS, o.tif),
    status: oneOf(`${id} status`, ORDER_STATUSES, o.status),
    filled_qty: nonNegative(`${id} filledQty`, o.filledQty),
    avg_fill_price: finiteOrNull(`${id} avgFillPrice`, o.avgFillPrice),
    origin: oneOf(`${id} origin`, ORIGINS, o.origin),
    strategy_id: o.strategyId,
    reason: o.reason,
    status_reason: o.statusReason,
    created_at: time(`${id} createdAt`, o.createdAt),
    updated_at: time(`${id} updatedAt`, o.updatedAt),
  };
}

/** Named parameters of the patch statement: a has_* flag per optional field, so null can be written. */
function patchParams(clientOrderId: string, p: OrderPatch): Record<string, string | number | null> {
  const id = `patch of order ${JSON.stringify(clientOrderId)}`;
  return {
    id: clientOrderId,
    has_status: p.status !== undefined ? 1 : 0,
    status: p.status !== undefined ? oneOf(`${id} status`, ORDER_STATUSES, p.status) : null,
    has_broker_order_id: p.brokerOrderId !== undefined ? 1 : 0,
    broker_order_id: p.brokerOrderId ?? null,
    has_filled_qty: p.filledQty !== undefined ? 1 : 0,
    filled_qty: p.filledQty !== undefined ? nonNegative(`${id} filledQty`, p.filledQty) : null,
    has_avg_fill_price: p.avgFillPrice !== undefined ? 1 : 0,
    avg_fill_price: p.avgFillPrice !== undefined ? finiteOrNull(`${id} avgFillPrice`, p.avgFillPrice) : null,
    has_status_reason: p.statusReason !== undefined ? 1 : 0,
    status_reason: p.statusReason ?? null,
    updated_at: time(`${id} updatedAt`, p.updatedAt),
  };
}

const OPEN_WHERE = "status IN ('pending_submit', 'accepted', 'partially_filled', 'pending_cancel')";

export function prepareOrderRepo(db: Database) {
  const insert = db.prepare(`
    INSERT INTO orders (client_order_id, broker_order_id, symbol, side, type, qty, limit_price, stop_price, tif,
      status, filled_qty, avg_fill_price, origin, strategy_id, reason, status_reason, created_at, updated_at)
    VALUES (@client_order_id, @broker_order_id, @symbol, @side, @type, @qty, @limit_price, @stop_price, @tif,
      @status, @filled_qty, @avg_fill_price, @origin, @strategy_id, @reason, @status_reason, @created_at, @updated_at)
    ON CONFLICT (client_order_id) DO NOTHING`);
  const patch = db.prepare(`
    UPDATE orders SET
      status          = CASE WHEN @has_status THEN @status ELSE status END,
      broker_order_id = CASE WHEN @has_broker_order_id THEN @broker_order_id ELSE broker_order_id END,
      filled_qty      = CASE WHEN @has_filled_qty THEN @filled_qty ELSE filled_qty END,
      avg_fill_price  = CASE WHEN @has_avg_fill_price THEN @avg_fill_price ELSE avg_fill_price END,
      status_reason   = CASE WHEN @has_status_reason THEN @status_reason ELSE status_reason END,
      updated_at      = @updated_at
    WHERE client_order_id = @id`);
  const get = db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE client_order_id = ?');
  const listOpen = db.prepare<[], OrderRow>(`SELECT * FROM orders WHERE ${OPEN_WHERE} ORDER BY created_at, rowid`);
  const listOpenRecent = db.prepare<[number], OrderRow>(
    `SELECT * FROM orders WHERE ${OPEN_WHERE} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
  );
  const listAllRecent = db.prepare<[number], OrderRow>('SELECT * FROM orders ORDER BY created_at DESC, rowid DESC LIMIT ?');

  return {
    insert(order: OrderRecord): 'inserted' | 'duplicate' {
      return insert.run(toRow(order)).changes === 1 ? 'inserted' : 'duplicate';
    },
    /** throws StoreInputError for an id that is not in the journal */
    update(clientOrderId: string, p: OrderPatch): void {
      if (patch.run(patchParams(clientOrderId, p)).changes !== 1) {
        throw new StoreInputError(`order ${JSON.stringify(clientOrderId)} is not in the journal; insertOrder it first`);
      }
    },
    get(clientOrderId: string): OrderRecord | null {
      const r = get.get(clientOrderId);
      return r === undefined ? null : fromRow(r);
    },
    /** every open order, oldest first (startup) */
    listOpen(): OrderRecord[] {
      return listOpen.all().map(fromRow);
    },
    /** the `limit` most recent orders, newest first (lists in the UI) */
    list(scope: 'open' | 'all', limit: number): OrderRecord[] {
      limitArg('limit', limit);
      return (scope === 'open' ? listOpenRecent : listAllRecent).all(limit).map(fromRow);
    },
  };
}

export type OrderRepo = ReturnType<typeof prepareOrderRepo>;
