// The account snapshot (one row) and the equity curve.
import type { Database } from 'better-sqlite3';
import type { AccountState, EquityPoint } from '../../engine/domain/types';
import type { EquityDay } from '../../engine/readiness/evidence';
import { finite, limitArg, time } from './validate';

interface AccountRow {
  cash: number;
  equity: number;
  buying_power: number;
  day_start_equity: number;
  peak_equity: number;
  updated_at: number;
}

export function prepareAccountRepo(db: Database) {
  const upsert = db.prepare(`
    INSERT INTO account (id, cash, equity, buying_power, day_start_equity, peak_equity, updated_at)
    VALUES (1, @cash, @equity, @buying_power, @day_start_equity, @peak_equity, @updated_at)
    ON CONFLICT (id) DO UPDATE SET cash = excluded.cash, equity = excluded.equity, buying_power = excluded.buying_power,
      day_start_equity = excluded.day_start_equity, peak_equity = excluded.peak_equity, updated_at = excluded.updated_at`);
  const get = db.prepare<[], AccountRow>('SELECT * FROM account WHERE id = 1');
  const appendEquity = db.prepare('INSERT OR REPLACE INTO equity_points (t, equity, cash) VALUES (@t, @equity, @cash)');
  // one row per UTC date with equity points: its first and last point (t is the key: one point per time)
  const days = db.prepare<[], EquityDay>(`
    WITH d AS (SELECT date(t / 1000, 'unixepoch') AS day, MIN(t) AS firstT, MAX(t) AS lastT FROM equity_points GROUP BY day)
    SELECT d.day AS day, d.firstT AS firstT, f.equity AS first, d.lastT AS lastT, l.equity AS last
    FROM d JOIN equity_points f ON f.t = d.firstT JOIN equity_points l ON l.t = d.lastT ORDER BY d.day`);
  const curve = db.prepare<[number], EquityPoint>(
    'SELECT * FROM (SELECT t, equity, cash FROM equity_points ORDER BY t DESC LIMIT ?) ORDER BY t',
  );

  return {
    save(a: AccountState): void {
      upsert.run({
        cash: finite('account cash', a.cash),
        equity: finite('account equity', a.equity),
        buying_power: finite('account buyingPower', a.buyingPower),
        day_start_equity: finite('account dayStartEquity', a.dayStartEquity),
        peak_equity: finite('account peakEquity', a.peakEquity),
        updated_at: time('account updatedAt', a.updatedAt),
      });
    },
    get(): AccountState | null {
      const r = get.get();
      if (r === undefined) return null;
      return {
        cash: r.cash,
        equity: r.equity,
        buyingPower: r.buying_power,
        dayStartEquity: r.day_start_equity,
        peakEquity: r.peak_equity,
        updatedAt: r.updated_at,
      };
    },
    /** one point per t: a second point at the same t replaces the first */
    appendEquity(p: EquityPoint): void {
      appendEquity.run({ t: time('equity point t', p.t), equity: finite('equity point equity', p.equity), cash: finite('equity point cash', p.cash) });
    },
    /** the `limit` most recent points, oldest first */
    equityCurve(limit: number): EquityPoint[] {
      return curve.all(limitArg('limit', limit));
    },
    /** the trading days the equity curve spans (UTC dates), oldest first */
    equityDays(): EquityDay[] {
      return days.all();
    },
  };
}

export type AccountRepo = ReturnType<typeof prepareAccountRepo>;
