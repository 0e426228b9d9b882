// Positions, each stamped with the fill seq it reflects.
import type { Database } from 'better-sqlite3';
import type { Position } from '../../engine/domain/types';
import { finite, text, time } from './validate';

interface PositionRow {
  symbol: string;
  qty: number;
  avg_entry_price: number;
  realized_pnl: number;
  updated_at: number;
  fill_seq: number;
}

function fromRow(r: PositionRow): Position {
  return { symbol: r.symbol, qty: r.qty, avgEntryPrice: r.avg_entry_price, realizedPnl: r.realized_pnl, updatedAt: r.updated_at };
}

export function preparePositionRepo(db: Database) {
  const upsert = db.prepare(`
    INSERT INTO positions (symbol, qty, avg_entry_price, realized_pnl, updated_at, fill_seq)
    VALUES (@symbol, @qty, @avg_entry_price, @realized_pnl, @updated_at, @fill_seq)
    ON CONFLICT (symbol) DO UPDATE SET qty = excluded.qty, avg_entry_price = excluded.avg_entry_price,
      realized_pnl = excluded.realized_pnl, updated_at = excluded.updated_at, fill_seq = excluded.fill_seq`);
  const all = db.prepare<[], PositionRow>('SELECT * FROM positions ORDER BY symbol');

  return {
    upsert(p: Position, fillSeq: number): void {
      const id = `position ${JSON.stringify(p.symbol)}`;
      upsert.run({
        symbol: text('position symbol', p.symbol),
        qty: finite(`${id} qty`, p.qty),
        avg_entry_price: finite(`${id} avgEntryPrice`, p.avgEntryPrice),
        realized_pnl: finite(`${id} realizedPnl`, p.realizedPnl),
        updated_at: time(`${id} updatedAt`, p.updatedAt),
        fill_seq: fillSeq,
      });
    },
    /** every position row, flat ones (qty 0) included: they carry realized P&L */
    all(): Position[] {
      return all.all().map(fromRow);
    },
  };
}

export type PositionRepo = ReturnType<typeof preparePositionRepo>;
