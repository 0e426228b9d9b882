import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { SqliteStore, STORE_FILE_NAME } from '../../../db/SqliteStore';
import { openDatabase } from '../../../db/open';
import { storeMigrations } from '../../../db/migrations/store';
import { chunkSpanMs } from '../../../db/repositories/bars';
import { TIMEFRAME_MS } from '../../../engine/domain/types';
import { columnsFromBars } from '../../../engine/backtest/columns';
import type { Bar } from '../../../engine/domain/types';
import { makeTempDir } from './fixtures';

const dataDir = resolve(import.meta.dirname, '../../../../shared/data');
const haveData = existsSync(join(dataDir, 'GOOG.csv')) && existsSync(join(dataDir, 'EURUSD.csv'));
if (!haveData) console.log(`skipping the real-data bar tests: ${dataDir} is absent (a checkout outside /work)`);

/** backtesting.py CSV: unnamed timestamp column (UTC), then Open,High,Low,Close,Volume */
function readCsvBars(name: string): Bar[] {
  const lines = readFileSync(join(dataDir, name), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [ts, o, h, l, c, v] = line.split(',');
    const t = Date.parse(`${(ts as string).replace(' ', 'T')}${(ts as string).length > 10 ? 'Z' : 'T00:00:00Z'}`);
    if (!Number.isFinite(t)) throw new Error(`bad timestamp in ${name}: ${line}`);
    return { t, o: Number(o), h: Number(h), l: Number(l), c: Number(c), v: Number(v) };
  });
}

let dir: string;
let cleanup: () => void;
let store: SqliteStore;
beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('bars-'));
  store = SqliteStore.open(dir);
});
afterEach(() => {
  store.close();
  cleanup();
});

const between = (bars: Bar[], from: number, to: number) => bars.filter((b) => b.t >= from && b.t <= to);

/** a symbol's bar_chunks rows as stored, read through a second (read-only) connection */
function chunkRows(symbol: string): unknown[] {
  const raw = openDatabase(join(dir, STORE_FILE_NAME), { migrations: storeMigrations, readonly: true });
  try {
    return raw.prepare('SELECT chunk_start, n, first_t, last_t, hex(data) AS d FROM bar_chunks WHERE symbol = ? ORDER BY chunk_start').all(symbol);
  } finally {
    raw.close();
  }
}

describe.skipIf(!haveData)('bar chunks with real data', () => {
  it('GOOG daily bars (2148) come back exactly, bit for bit, after a reopen', () => {
    const goog = readCsvBars('GOOG.csv');
    expect(goog).toHaveLength(2148);
    store.saveBars('GOOG', '1Day', goog);
    store.close();
    store = SqliteStore.open(dir);
    expect(store.loadBars('GOOG', '1Day', -Infinity, Infinity)).toEqual(goog);
    expect(store.barCoverage('GOOG', '1Day')).toEqual({ firstT: goog[0]?.t, lastT: goog.at(-1)?.t, count: 2148 });
  });

  it('EURUSD hourly bars (5000, several chunks) answer range queries inclusive of both ends', () => {
    const eur = readCsvBars('EURUSD.csv');
    store.saveBars('EURUSD', '1Hour', eur);
    const span = chunkSpanMs('1Hour');
    const firstBoundary = Math.ceil((eur[0] as Bar).t / span) * span;
    const cases: [number, number][] = [
      [(eur[100] as Bar).t, (eur[4000] as Bar).t],
      [(eur[7] as Bar).t, (eur[7] as Bar).t],
      [firstBoundary - 3_600_000, firstBoundary + 3_600_000],
      [firstBoundary, firstBoundary + span - 1],
      [(eur[10] as Bar).t + 1, (eur[11] as Bar).t - 1],
      [0, (eur[0] as Bar).t - 1],
      [(eur.at(-1) as Bar).t, Number.MAX_SAFE_INTEGER],
    ];
    for (const [from, to] of cases) {
      const expected = between(eur, from, to);
      expect(store.loadBars('EURUSD', '1Hour', from, to)).toEqual(expected);
      expect(store.loadBarColumns('EURUSD', '1Hour', from, to)).toEqual(columnsFromBars(expected));
    }
    expect(store.loadBars('EURUSD', '1Hour', (eur[7] as Bar).t, (eur[7] as Bar).t)).toHaveLength(1);
  });

  it('a later save overlapping an earlier one replaces the bars at the same times and keeps the rest', () => {
    const eur = readCsvBars('EURUSD.csv');
    store.saveBars('EURUSD', '1Hour', eur.slice(0, 3000));
    const revised = eur.slice(2500).map((b) => ({ ...b, c: b.c + 1 }));
    store.saveBars('EURUSD', '1Hour', revised);
    const expected = [...eur.slice(0, 2500), ...revised];
    expect(store.loadBars('EURUSD', '1Hour', -Infinity, Infinity)).toEqual(expected);
    expect(store.barCoverage('EURUSD', '1Hour')?.count).toBe(5000);
  });

  it('loadRecentBars returns the latest bars oldest first, across chunks', () => {
    const eur = readCsvBars('EURUSD.csv');
    store.saveBars('EURUSD', '1Hour', eur);
    expect(store.loadRecentBars('EURUSD', '1Hour', 2500)).toEqual(eur.slice(-2500));
    expect(store.loadRecentBars('EURUSD', '1Hour', 1)).toEqual(eur.slice(-1));
    expect(store.loadRecentBars('EURUSD', '1Hour', 99_999)).toEqual(eur);
    expect(store.loadRecentBars('EURUSD', '1Hour', 0)).toEqual([]);
  });
});

describe('bar chunks', () => {
  const bar = (t: number, c = 1): Bar => ({ t, o: c, h: c + 1, l: c - 1, c, v: 10 });

  it('accepts bars in any order; for the same t in one call the last one wins', () => {
    const m = TIMEFRAME_MS['1Min'];
    store.saveBars('X', '1Min', [bar(3 * m), bar(1 * m), bar(2 * m, 5), bar(2 * m, 7)]);
    expect(store.loadBars('X', '1Min', 0, 10 * m)).toEqual([bar(1 * m), bar(2 * m, 7), bar(3 * m)]);
  });

  it('stores a chunk as the documented little-endian Float64Array laid out by field', () => {
    const bars = [bar(120_000, 2), bar(60_000, 1), bar(180_000, 3)];
    store.saveBars('X', '1Min', bars);
    const raw = openDatabase(join(dir, STORE_FILE_NAME), { migrations: storeMigrations, readonly: true });
    try {
      const row = raw.prepare("SELECT chunk_start, n, first_t, last_t, data FROM bar_chunks WHERE symbol = 'X'").get() as {
        chunk_start: number;
        n: number;
        first_t: number;
        last_t: number;
        data: Buffer;
      };
      expect(row).toMatchObject({ chunk_start: 0, n: 3, first_t: 60_000, last_t: 180_000 });
      const f = Array.from({ length: row.data.length / 8 }, (_, i) => row.data.readDoubleLE(i * 8));
      // times, opens, highs, lows, closes, volumes
      expect(f).toEqual([60_000, 120_000, 180_000, 1, 2, 3, 2, 3, 4, 0, 1, 2, 1, 2, 3, 10, 10, 10]);
    } finally {
      raw.close();
    }
  });

  it('live appends (bars after the stored ones) store exactly what one save of them all would, chunk rows included', () => {
    const m = TIMEFRAME_MS['1Min'];
    const all = Array.from({ length: 5000 }, (_, i) => bar(i * m, 100 + Math.sin(i)));
    for (let i = 0; i < all.length; i += 37) store.saveBars('LIVE', '1Min', all.slice(i, i + 37)); // appends
    store.saveBars('ONCE', '1Min', all);
    expect(store.loadBars('LIVE', '1Min', 0, Infinity)).toEqual(all);
    expect(chunkRows('LIVE')).toEqual(chunkRows('ONCE'));
    // a bar inside a chunk's range (a revision, a backfill) still merges
    store.saveBars('LIVE', '1Min', [bar(10 * m, 7), bar(5000 * m, 8)]);
    const back = store.loadBars('LIVE', '1Min', 0, Infinity);
    expect(back[10]).toEqual(bar(10 * m, 7));
    expect(back.at(-1)).toEqual(bar(5000 * m, 8));
    expect(back).toHaveLength(5001);
  });

  it("bars saved as columns (the engine's live buffer) store exactly the chunk rows saveBars would", () => {
    const m = TIMEFRAME_MS['1Min'];
    const all = Array.from({ length: 5000 }, (_, i) => bar(i * m, 100 + Math.cos(i)));
    // runs of 500 cross the 2048-bar chunk boundaries: new chunks, appends and a split run
    for (let i = 0; i < all.length; i += 500) store.saveBarColumns('COLS', '1Min', columnsFromBars(all.slice(i, i + 500)));
    store.saveBars('ONCE', '1Min', all);
    expect(store.loadBars('COLS', '1Min', 0, Infinity)).toEqual(all);
    expect(chunkRows('COLS')).toEqual(chunkRows('ONCE'));
    expect(chunkRows('COLS')).toHaveLength(3);
  });

  it('refuses a column save with a bad value, naming the bar, and writes none of it', () => {
    const good = columnsFromBars([bar(60_000), bar(120_000)]);
    store.saveBarColumns('X', '1Min', good);
    const bad = columnsFromBars([bar(180_000), { ...bar(240_000), v: Infinity }]);
    expect(() => store.saveBarColumns('X', '1Min', bad)).toThrow(/bar of X at t=240000 volume must be a finite number/);
    const fractional = columnsFromBars([{ ...bar(180_000), t: 180_000.5 }]);
    expect(() => store.saveBarColumns('X', '1Min', fractional)).toThrow(/bar of X at t=180000.5 t must be an integer time/);
    expect(store.loadBars('X', '1Min', 0, Infinity)).toEqual([bar(60_000), bar(120_000)]);
  });

  it('keeps symbols and timeframes apart', () => {
    store.saveBars('X', '1Min', [bar(60_000, 1)]);
    store.saveBars('Y', '1Min', [bar(60_000, 2)]);
    store.saveBars('X', '5Min', [bar(60_000, 3)]);
    expect(store.loadBars('X', '1Min', 0, 1e12)).toEqual([bar(60_000, 1)]);
    expect(store.loadBars('Y', '1Min', 0, 1e12)).toEqual([bar(60_000, 2)]);
    expect(store.loadBars('X', '5Min', 0, 1e12)).toEqual([bar(60_000, 3)]);
    expect(store.loadBars('Z', '1Min', 0, 1e12)).toEqual([]);
    expect(store.barCoverage('Z', '1Min')).toBeNull();
  });

  it('refuses a NaN price, naming the bar, and writes none of the batch', () => {
    expect(() => store.saveBars('X', '1Min', [bar(60_000), { ...bar(120_000), c: NaN }])).toThrow(/bar of X at t=120000 close must be a finite number/);
    expect(store.barCoverage('X', '1Min')).toBeNull();
  });

  it('refuses reversed ranges and unknown timeframes with a clear message', () => {
    expect(() => store.loadBars('X', '1Min', 10, 5)).toThrow(/fromT \(10\) is after toT \(5\)/);
    expect(() => store.loadBars('X', '2Min' as never, 0, 5)).toThrow(/timeframe must be one of/);
    expect(() => store.loadBarColumns('X', '1Min', 10, 5)).toThrow(/fromT \(10\) is after toT \(5\)/);
  });

  let run = 0;
  it('matches a plain map model over random overlapping saves and range queries', () => {
    const m = TIMEFRAME_MS['1Min'];
    const span = chunkSpanMs('1Min') / m;
    // indexes crowd near the start and the chunk boundaries, so saves overlap and straddle chunks
    const index = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: span - 20, max: span + 20 }), fc.integer({ min: 0, max: 3 * span }));
    const save = fc.record({ asColumns: fc.boolean(), bars: fc.array(fc.record({ i: index, c: fc.integer({ min: 1, max: 1000 }) }), { maxLength: 200 }) });
    fc.assert(
      fc.property(fc.array(save, { minLength: 1, maxLength: 4 }), fc.integer({ min: -5, max: 3 * span }), fc.integer({ min: 0, max: 3 * span }), (saves, a, len) => {
        const sym = `P${run++}`;
        const model = new Map<number, Bar>();
        for (const batch of saves) {
          const bars = batch.bars.map(({ i, c }) => bar(i * m, c));
          // columns take the same path for any order: appended, merged, or sorted through saveBars
          if (batch.asColumns) store.saveBarColumns(sym, '1Min', columnsFromBars(bars));
          else store.saveBars(sym, '1Min', bars);
          for (const b of bars) model.set(b.t, b);
        }
        const all = [...model.values()].sort((x, y) => x.t - y.t);
        expect(store.loadBars(sym, '1Min', -Infinity, Infinity)).toEqual(all);
        const from = a * m;
        const to = (a + len) * m;
        expect(store.loadBars(sym, '1Min', from, to)).toEqual(between(all, from, to));
        expect(store.loadBarColumns(sym, '1Min', from, to)).toEqual(columnsFromBars(between(all, from, to)));
        expect(store.loadRecentBars(sym, '1Min', 17)).toEqual(all.slice(-17));
      }),
      { numRuns: 40 },
    );
  });
});
