// The fill journal and its watermark: the highest seq already reflected in positions/account.
import type { Database } from 'better-sqlite3';
import type { Fill, Side } from '../../engine/domain/types';
import { finite, limitArg, nonNegative, oneOf, positive, text, time } from './validate';
import { SIDES } from './orders';

interface FillRow {
  seq: number;
  fill_id: string;
  client_order_id: string;
  symbol: string;
  side: Side;
  qty: number;
  price: number;
  commission: number;
  time: number;
}

function fromRow(r: FillRow): Fill {
  return {
    fillId: r.fill_id,
    clientOrderId: r.client_order_id,
    symbol: r.symbol,
    side: r.side,
    qty: r.qty,
    price: r.price,
    commission: r.commission,
    time: r.time,
  };
}

function toParams(f: Fill): Omit<FillRow, 'seq'> {
  const id = `fill ${JSON.stringify(f.fillId)}`;
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

export function prepareFillRepo(db: Database) {
  const insert = db.prepare(`
    INSERT INTO fills (fill_id, client_order_id, symbol, side, qty, price, commission, time)
    VALUES (@fill_id, @client_order_id, @symbol, @side, @qty, @price, @commission, @time)
    ON CONFLICT (fill_id) DO NOTHING`);
  const forSymbol = db.prepare<[string, number], FillRow>(
    'SELECT * FROM (SELECT * FROM fills WHERE symbol = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq',
  );
  const after = db.prepare<[number], FillRow>('SELECT * FROM fills WHERE seq > ? ORDER BY seq');
  const count = db.prepare<[], number>('SELECT count(*) FROM fills').pluck();
  const getWatermark = db.prepare<[], number>('SELECT applied_seq FROM fill_watermark WHERE id = 1').pluck();
  const setWatermark = db.prepare<[number]>('UPDATE fill_watermark SET applied_seq = ? WHERE id = 1');

  return {
    /** the new fill's seq, or null when this fillId is already journaled */
    insert(fill: Fill): number | null {
      const r = insert.run(toParams(fill));
      return r.changes === 1 ? Number(r.lastInsertRowid) : null;
    },
    /** the `limit` most recent fills of `symbol`, oldest first */
    forSymbol(symbol: string, limit: number): Fill[] {
      return forSymbol.all(symbol, limitArg('limit', limit)).map(fromRow);
    },
    /** fills journaled after the watermark, in journal order */
    afterWatermark(): Fill[] {
      return after.all(getWatermark.get() ?? 0).map(fromRow);
    },
    count(): number {
      return count.get() ?? 0;
    },
    setWatermark(seq: number): void {
      setWatermark.run(seq);
    },
  };
}

export type FillRepo = ReturnType<typeof prepareFillRepo>;
