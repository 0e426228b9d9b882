// Bar history in binary chunks. A chunk holds the bars of one symbol and timeframe whose open
// time falls in [chunk_start, chunk_start + span), span = BARS_PER_CHUNK bar lengths, as one
// little-endian Float64Array laid out by field: n times (sorted), then n opens, highs, lows,
// closes and volumes. Reading a million bars is then a few hundred row reads and six memory
// copies per chunk instead of a million row reads.
import type { Database } from 'better-sqlite3';
import { endianness } from 'node:os';
import { TIMEFRAME_MS } from '../../engine/domain/types';
import type { Bar, Timeframe } from '../../engine/domain/types';
import { barAt } from '../../engine/backtest/columns';
import type { BarColumns } from '../../engine/backtest/columns';
import { BarColumnCache, MIN_CACHED_BARS, sliceColumns } from '../barColumnCache';
import { StoreInputError } from '../errors';
import { finite, limitArg, oneOf, text, time } from './validate';

export const FIELDS_PER_BAR = 6;
export const BYTES_PER_BAR = FIELDS_PER_BAR * 8;
/**
 * Bar lengths per chunk. Small enough that merging one new bar rewrites at most ~100 KB,
 * large enough that a million bars are a few hundred chunks.
 */
export const BARS_PER_CHUNK = 2048;

const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as Timeframe[];

export function chunkSpanMs(tf: Timeframe): number {
  return TIMEFRAME_MS[tf] * BARS_PER_CHUNK;
}

export function chunkStartOf(t: number, span: number): number {
  return Math.floor(t / span) * span;
}

/** bars must be sorted by t */
export function encodeBars(bars: readonly Bar[]): Buffer {
  const n = bars.length;
  const f = new Float64Array(n * FIELDS_PER_BAR);
  for (let i = 0; i < n; i++) {
    const b = bars[i] as Bar;
    f[i] = b.t;
    f[n + i] = b.o;
    f[2 * n + i] = b.h;
    f[3 * n + i] = b.l;
    f[4 * n + i] = b.c;
    f[5 * n + i] = b.v;
  }
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

function asFloat64(blob: Buffer): Float64Array {
  if (blob.byteLength % BYTES_PER_BAR !== 0) {
    throw new Error(`bar chunk of ${blob.byteLength} bytes is not a whole number of ${BYTES_PER_BAR}-byte bars: the bar_chunks table is damaged`);
  }
  if (blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, blob.byteLength / 8);
  const copy = new Float64Array(blob.byteLength / 8);
  new Uint8Array(copy.buffer).set(blob);
  return copy;
}

/** Index of the first bar of a decoded chunk of n bars whose t is >= `t` (times come first, sorted). */
function firstAtOrAfter(f: Float64Array, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((f[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bars [from, to) of a decoded chunk of n bars that fall in fromT <= t <= toT. */
function rangeIn(f: Float64Array, n: number, fromT: number, toT: number): { from: number; to: number } {
  const from = fromT === -Infinity ? 0 : firstAtOrAfter(f, n, fromT);
  // stored times are integers, so the first bar after toT is the first at or after floor(toT) + 1
  const to = toT === Infinity ? n : firstAtOrAfter(f, n, Math.floor(toT) + 1);
  return { from, to: Math.max(from, to) };
}

/** Append the bars of `blob` with fromT <= t <= toT to `out`. */
export function decodeBarsInto(blob: Buffer, out: Bar[], fromT = -Infinity, toT = Infinity): void {
  const f = asFloat64(blob);
  const n = f.length / FIELDS_PER_BAR;
  const { from, to } = rangeIn(f, n, fromT, toT);
  for (let i = from; i < to; i++) {
    out.push({
      t: f[i] as number,
      o: f[n + i] as number,
      h: f[2 * n + i] as number,
      l: f[3 * n + i] as number,
      c: f[4 * n + i] as number,
      v: f[5 * n + i] as number,
    });
  }
}

/** Decode chunks straight into columns: no object per bar, six memory copies per chunk. */
export function decodeColumns(blobs: readonly Buffer[], fromT = -Infinity, toT = Infinity): BarColumns {
  const views = blobs.map(asFloat64);
  const ranges = views.map((f) => rangeIn(f, f.length / FIELDS_PER_BAR, fromT, toT));
  const total = ranges.reduce((sum, r) => sum + (r.to - r.from), 0);
  const cols = {
    length: total,
    t: new Float64Array(total),
    o: new Float64Array(total),
    h: new Float64Array(total),
    l: new Float64Array(total),
    c: new Float64Array(total),
    v: new Float64Array(total),
  };
  const fields = [cols.t, cols.o, cols.h, cols.l, cols.c, cols.v];
  let j = 0;
  views.forEach((f, idx) => {
    const n = f.length / FIELDS_PER_BAR;
    const { from, to } = ranges[idx] as { from: number; to: number };
    fields.forEach((col, q) => col.set(f.subarray(q * n + from, q * n + to), j));
    j += to - from;
  });
  return cols;
}

const isFiniteNumber = (x: number): boolean => typeof x === 'number' && Number.isFinite(x);

/**
 * Throws the store's input error for a bad bar. The check itself builds no string (it runs for
 * every live bar); the message naming the bar and field is built only when one is bad.
 */
function checkBarFields(symbol: string, t: number, o: number, h: number, l: number, c: number, v: number): void {
  if (Number.isSafeInteger(t) && isFiniteNumber(o) && isFiniteNumber(h) && isFiniteNumber(l) && isFiniteNumber(c) && isFiniteNumber(v)) return;
  const id = `bar of ${symbol} at t=${String(t)}`;
  time(id + ' t', t);
  finite(id + ' open', o);
  finite(id + ' high', h);
  finite(id + ' low', l);
  finite(id + ' close', c);
  finite(id + ' volume', v);
}

function checkBar(symbol: string, b: Bar): void {
  checkBarFields(symbol, b.t, b.o, b.h, b.l, b.c, b.v);
}

/** Sorted by t, one bar per t; for equal t the later bar in `bars` wins. */
function sortedUnique(bars: readonly Bar[]): Bar[] {
  const sorted = [...bars].sort((a, b) => a.t - b.t);
  const out: Bar[] = [];
  for (const b of sorted) {
    if (out.length > 0 && (out[out.length - 1] as Bar).t === b.t) out[out.length - 1] = b;
    else out.push(b);
  }
  return out;
}

/**
 * The chunk `blob` with `bars` (sorted, unique) after its last bar, encoded; null when a bar of
 * `bars` is not later than every stored one (the caller merges instead).
 */
export function appendAfter(blob: Buffer, bars: readonly Bar[]): { n: number; first_t: number; last_t: number; data: Buffer } | null {
  const f = asFloat64(blob);
  const n = f.length / FIELDS_PER_BAR;
  const m = bars.length;
  if (n === 0 || m === 0 || !((bars[0] as Bar).t > (f[n - 1] as number))) return null;
  const total = n + m;
  const out = new Float64Array(total * FIELDS_PER_BAR);
  for (let q = 0; q < FIELDS_PER_BAR; q++) out.set(f.subarray(q * n, q * n + n), q * total);
  for (let i = 0; i < m; i++) {
    const b = bars[i] as Bar;
    out[n + i] = b.t;
    out[total + n + i] = b.o;
    out[2 * total + n + i] = b.h;
    out[3 * total + n + i] = b.l;
    out[4 * total + n + i] = b.c;
    out[5 * total + n + i] = b.v;
  }
  return { n: total, first_t: f[0] as number, last_t: (bars[m - 1] as Bar).t, data: Buffer.from(out.buffer, out.byteOffset, out.byteLength) };
}

/**
 * The chunk `blob` with bars [from, to) of `cols` (strictly increasing times) after its last bar,
 * encoded: six memory copies, no object per bar. Null when the first of them is not later than
 * every stored bar (the caller merges instead).
 */
export function appendColumnsAfter(blob: Buffer, cols: BarColumns, from: number, to: number): { n: number; first_t: number; last_t: number; data: Buffer } | null {
  const f = asFloat64(blob);
  const n = f.length / FIELDS_PER_BAR;
  const m = to - from;
  if (n === 0 || m <= 0 || !((cols.t[from] as number) > (f[n - 1] as number))) return null;
  const total = n + m;
  const out = new Float64Array(total * FIELDS_PER_BAR);
  const fields = [cols.t, cols.o, cols.h, cols.l, cols.c, cols.v];
  for (let q = 0; q < FIELDS_PER_BAR; q++) {
    out.set(f.subarray(q * n, q * n + n), q * total);
    out.set((fields[q] as Float64Array).subarray(from, to), q * total + n);
  }
  return { n: total, first_t: f[0] as number, last_t: cols.t[to - 1] as number, data: Buffer.from(out.buffer, out.byteOffset, out.byteLength) };
}

/** bars [from, to) of `cols` encoded as a chunk of its own (times strictly increasing) */
function encodeColumns(cols: BarColumns, from: number, to: number): Buffer {
  const m = to - from;
  const out = new Float64Array(m * FIELDS_PER_BAR);
  [cols.t, cols.o, cols.h, cols.l, cols.c, cols.v].forEach((col, q) => out.set(col.subarray(from, to), q * m));
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Merge two sorted, unique lists; on equal t the bar from `newer` wins. */
function mergeByTime(older: readonly Bar[], newer: readonly Bar[]): Bar[] {
  const out: Bar[] = [];
  let i = 0;
  let j = 0;
  while (i < older.length || j < newer.length) {
    const a = older[i];
    const b = newer[j];
    if (b === undefined || (a !== undefined && a.t < b.t)) {
      out.push(a as Bar);
      i++;
    } else {
      if (a !== undefined && a.t === b.t) i++;
      out.push(b);
      j++;
    }
  }
  return out;
}

/** chunk_start bounds (exclusive, inclusive) of the chunks that may hold bars in [fromT, toT] */
function chunkQueryBounds(tf: Timeframe, fromT: number, toT: number): [number, number] {
  oneOf('timeframe', TIMEFRAMES, tf);
  if (Number.isNaN(fromT) || Number.isNaN(toT)) throw new StoreInputError(`loadBars: fromT and toT must be numbers, got ${fromT} and ${toT}`);
  if (fromT > toT) throw new StoreInputError(`loadBars: fromT (${fromT}) is after toT (${toT}); pass the earlier time first`);
  const span = chunkSpanMs(tf);
  // a chunk overlaps [fromT, toT] when chunk_start <= toT and chunk_start + span > fromT;
  // infinite bounds are clamped to SQLite's integer range
  const lo = Math.floor(Math.max(fromT - span, Number.MIN_SAFE_INTEGER));
  const hi = Math.floor(Math.min(toT, Number.MAX_SAFE_INTEGER));
  return [lo, hi];
}

export interface BarCoverage {
  firstT: number;
  lastT: number;
  count: number;
}

/** The settings key holding a series' generation: bumped by every save, checked by the column cache. */
export function seriesGenKey(symbol: string, tf: Timeframe): string {
  return `barGen:${tf}:${symbol}`;
}

/**
 * `cacheDir`: where the column files of long series live (see db/barColumnCache.ts); null for
 * none (an in-memory database).
 */
export function prepareBarRepo(db: Database, cacheDir: string | null = null) {
  const cache = cacheDir === null ? null : new BarColumnCache(cacheDir);
  if (endianness() !== 'LE') throw new Error('bar chunks are stored little-endian; this machine is big-endian and is not supported');
  const getChunk = db.prepare<[string, string, number], Buffer>(
    'SELECT data FROM bar_chunks WHERE symbol = ? AND timeframe = ? AND chunk_start = ?',
  ).pluck();
  const upsert = db.prepare(`
    INSERT INTO bar_chunks (symbol, timeframe, chunk_start, n, first_t, last_t, data)
    VALUES (@symbol, @timeframe, @chunk_start, @n, @first_t, @last_t, @data)
    ON CONFLICT (symbol, timeframe, chunk_start) DO UPDATE SET n = excluded.n, first_t = excluded.first_t,
      last_t = excluded.last_t, data = excluded.data`);
  const range = db.prepare<[string, string, number, number], Buffer>(`
    SELECT data FROM bar_chunks WHERE symbol = ? AND timeframe = ? AND chunk_start > ? AND chunk_start <= ?
    ORDER BY chunk_start`).pluck();
  const newestFirst = db.prepare<[string, string], Buffer>(
    'SELECT data FROM bar_chunks WHERE symbol = ? AND timeframe = ? ORDER BY chunk_start DESC',
  ).pluck();
  const getGen = db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck();
  const bumpGen = db.prepare(`INSERT INTO settings (key, value) VALUES (?, '1')
    ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`);
  const genOf = (symbol: string, tf: Timeframe): number => Number(getGen.get(seriesGenKey(symbol, tf)) ?? 0);
  const coverage = db.prepare<[string, string], { firstT: number | null; lastT: number | null; count: number | null }>(
    'SELECT min(first_t) AS firstT, max(last_t) AS lastT, sum(n) AS count FROM bar_chunks WHERE symbol = ? AND timeframe = ?',
  );

  const saveTx = db.transaction((symbol: string, tf: Timeframe, groups: Map<number, Bar[]>) => {
    // in the same transaction as the bars: a column file built before this save is stale after it
    if (cache) bumpGen.run(seriesGenKey(symbol, tf));
    for (const [start, incoming] of groups) {
      const existingBlob = getChunk.get(symbol, tf, start);
      const fresh = sortedUnique(incoming);
      // Live bars arrive after everything stored: append column by column, with no Bar object
      // per stored bar (the general merge below decodes, merges and re-encodes them all).
      const appended = existingBlob === undefined ? null : appendAfter(existingBlob, fresh);
      if (appended) {
        upsert.run({ symbol, timeframe: tf, chunk_start: start, ...appended });
        continue;
      }
      const existing: Bar[] = [];
      if (existingBlob !== undefined) decodeBarsInto(existingBlob, existing);
      const merged = mergeByTime(existing, fresh);
      upsert.run({
        symbol,
        timeframe: tf,
        chunk_start: start,
        n: merged.length,
        first_t: (merged[0] as Bar).t,
        last_t: (merged[merged.length - 1] as Bar).t,
        data: encodeBars(merged),
      });
    }
  });

  function save(symbol: string, tf: Timeframe, bars: readonly Bar[]): void {
    text('symbol', symbol);
    oneOf('timeframe', TIMEFRAMES, tf);
    // validate everything before writing anything
    for (const b of bars) checkBar(symbol, b);
    const span = chunkSpanMs(tf);
    const groups = new Map<number, Bar[]>();
    for (const b of bars) {
      const start = chunkStartOf(b.t, span);
      const g = groups.get(start);
      if (g === undefined) groups.set(start, [b]);
      else g.push(b);
    }
    if (groups.size > 0) saveTx(symbol, tf, groups);
  }

  // Live bars: strictly increasing times, usually all after the stored ones. Each chunk's run is
  // appended column by column; a run that overlaps stored bars goes through the general merge.
  const saveColumnsTx = db.transaction((symbol: string, tf: Timeframe, cols: BarColumns) => {
    if (cache) bumpGen.run(seriesGenKey(symbol, tf));
    const span = chunkSpanMs(tf);
    let from = 0;
    while (from < cols.length) {
      const start = chunkStartOf(cols.t[from] as number, span);
      let to = from + 1;
      while (to < cols.length && (cols.t[to] as number) < start + span) to++;
      const existingBlob = getChunk.get(symbol, tf, start);
      const appended = existingBlob === undefined ? null : appendColumnsAfter(existingBlob, cols, from, to);
      if (appended) {
        upsert.run({ symbol, timeframe: tf, chunk_start: start, ...appended });
      } else if (existingBlob === undefined) {
        upsert.run({ symbol, timeframe: tf, chunk_start: start, n: to - from, first_t: cols.t[from], last_t: cols.t[to - 1], data: encodeColumns(cols, from, to) });
      } else {
        const existing: Bar[] = [];
        decodeBarsInto(existingBlob, existing);
        const fresh: Bar[] = [];
        for (let i = from; i < to; i++) fresh.push(barAt(cols, i));
        const merged = mergeByTime(existing, fresh);
        upsert.run({ symbol, timeframe: tf, chunk_start: start, n: merged.length, first_t: (merged[0] as Bar).t, last_t: (merged[merged.length - 1] as Bar).t, data: encodeBars(merged) });
      }
      from = to;
    }
  });

  // one read transaction: the generation and the chunks come from the same snapshot
  const loadCachedTx = db.transaction((symbol: string, tf: Timeframe, lo: number, hi: number, fromT: number, toT: number): BarColumns => {
    const c = cache as BarColumnCache;
    const gen = genOf(symbol, tf);
    const cached = c.read(symbol, tf, gen);
    if (cached) return sliceColumns(cached, fromT, toT);
    const cov = coverage.get(symbol, tf);
    if (!cov || cov.count === null || cov.count < MIN_CACHED_BARS) return decodeColumns(range.all(symbol, tf, lo, hi), fromT, toT);
    // build the whole series once, keep it as a file, answer from it
    const whole = decodeColumns(range.all(symbol, tf, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    c.write(symbol, tf, gen, whole);
    return sliceColumns(whole, fromT, toT);
  });

  return {
    /** merge `bars` into the history; a bar whose t is already stored replaces it. One transaction. */
    save,
    /**
     * The same as save() for bars held as columns (the engine's unsaved live bars): no object
     * per bar when they come after the stored ones. Times not strictly increasing are sorted and
     * de-duplicated through save().
     */
    saveColumns(symbol: string, tf: Timeframe, cols: BarColumns): void {
      text('symbol', symbol);
      oneOf('timeframe', TIMEFRAMES, tf);
      let increasing = true;
      for (let i = 0; i < cols.length; i++) {
        checkBarFields(symbol, cols.t[i] as number, cols.o[i] as number, cols.h[i] as number, cols.l[i] as number, cols.c[i] as number, cols.v[i] as number);
        if (i > 0 && !((cols.t[i] as number) > (cols.t[i - 1] as number))) increasing = false;
      }
      if (cols.length === 0) return;
      if (increasing) {
        saveColumnsTx(symbol, tf, cols);
        return;
      }
      const bars: Bar[] = [];
      for (let i = 0; i < cols.length; i++) bars.push(barAt(cols, i));
      save(symbol, tf, bars);
    },
    /** bars with fromT <= t <= toT, oldest first */
    load(symbol: string, tf: Timeframe, fromT: number, toT: number): Bar[] {
      const [lo, hi] = chunkQueryBounds(tf, fromT, toT);
      const out: Bar[] = [];
      for (const blob of range.all(symbol, tf, lo, hi)) decodeBarsInto(blob, out, fromT, toT);
      return out;
    },
    /** the same bars as load(), as columns (backtests, indicators over long histories) */
    loadColumns(symbol: string, tf: Timeframe, fromT: number, toT: number): BarColumns {
      const [lo, hi] = chunkQueryBounds(tf, fromT, toT);
      if (!cache) return decodeColumns(range.all(symbol, tf, lo, hi), fromT, toT);
      return loadCachedTx(symbol, tf, lo, hi, fromT, toT);
    },
    /** the `limit` most recent bars, oldest first */
    loadRecent(symbol: string, tf: Timeframe, limit: number): Bar[] {
      oneOf('timeframe', TIMEFRAMES, tf);
      limitArg('limit', limit);
      if (limit === 0) return [];
      const chunks: Bar[][] = [];
      let n = 0;
      for (const blob of newestFirst.iterate(symbol, tf)) {
        const bars: Bar[] = [];
        decodeBarsInto(blob, bars);
        chunks.push(bars);
        n += bars.length;
        if (n >= limit) break;
      }
      const out: Bar[] = [];
      for (let i = chunks.length - 1; i >= 0; i--) for (const b of chunks[i] as Bar[]) out.push(b);
      return out.length > limit ? out.slice(out.length - limit) : out;
    },
    /** what is stored for a symbol and timeframe (for backfilling gaps), null when nothing */
    coverage(symbol: string, tf: Timeframe): BarCoverage | null {
      const r = coverage.get(symbol, tf);
      if (r === undefined || r.count === null || r.firstT === null || r.lastT === null) return null;
      return { firstT: r.firstT, lastT: r.lastT, count: r.count };
    },
  };
}

export type BarRepo = ReturnType<typeof prepareBarRepo>;
