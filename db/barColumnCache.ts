// A column file per bar series beside the store: the whole history of one symbol and timeframe
// as six contiguous Float64Array columns, read with one read() into one buffer. Reading a million
// bars from the SQLite chunks walks ~12,000 overflow pages and copies the data three times
// (SQLite, the driver's Buffer, the columns); the file is one copy from the page cache.
//
// It is a derived cache, never the truth: the SQLite chunks are. Each save to a series bumps
// its generation in the store (same transaction as the bars), the file records the generation it
// was built from, and a file whose generation, size or header does not match is ignored and
// rebuilt. Writes go to a temporary file renamed into place, so a crash leaves the old file or
// the new one, never half of one; losing the directory costs one rebuild.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BarColumns } from '../engine/backtest/columns';
import type { Timeframe } from '../engine/domain/types';

const MAGIC = 0x4c4f4342_53524154n; // "TSRBCOL" + version byte, as one little-endian u64
const FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
/** Series shorter than this are read from SQLite directly: the file would not pay for itself. */
export const MIN_CACHED_BARS = 65_536;

export const BAR_CACHE_DIR = 'bar-cache';

export function seriesFileName(symbol: string, tf: Timeframe): string {
  // hex keeps any symbol ("BTC/USD", unicode) a safe, unique file name
  return `${Buffer.from(symbol, 'utf8').toString('hex')}.${tf}.cols`;
}

export class BarColumnCache {
  constructor(private readonly dir: string) {}

  private path(symbol: string, tf: Timeframe): string {
    return join(this.dir, seriesFileName(symbol, tf));
  }

  /** The whole series as columns when the file holds generation `gen`; null when absent or stale. */
  read(symbol: string, tf: Timeframe, gen: number): BarColumns | null {
    let fd: number;
    try {
      fd = openSync(this.path(symbol, tf), 'r');
    } catch {
      return null;
    }
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      if (readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES) return null;
      if (header.readBigUInt64LE(0) !== MAGIC || header.readUInt32LE(8) !== FORMAT_VERSION) return null;
      const n = header.readDoubleLE(16);
      if (header.readDoubleLE(24) !== gen || !Number.isInteger(n) || n < 0) return null;
      const bytes = n * 48;
      if (fstatSync(fd).size !== HEADER_BYTES + bytes) return null;
      const buffer = new ArrayBuffer(bytes);
      const view = new Uint8Array(buffer);
      for (let done = 0; done < bytes; ) {
        const got = readSync(fd, view, done, bytes - done, HEADER_BYTES + done);
        if (got <= 0) return null;
        done += got;
      }
      const col = (q: number) => new Float64Array(buffer, q * n * 8, n);
      return { length: n, t: col(0), o: col(1), h: col(2), l: col(3), c: col(4), v: col(5) };
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
  }

  /** Replace the series' file with `cols` at generation `gen`. Best effort: a failure only means no cache. */
  write(symbol: string, tf: Timeframe, gen: number, cols: BarColumns): boolean {
    const target = this.path(symbol, tf);
    const tmp = `${target}.${process.pid}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      const header = Buffer.alloc(HEADER_BYTES);
      header.writeBigUInt64LE(MAGIC, 0);
      header.writeUInt32LE(FORMAT_VERSION, 8);
      header.writeDoubleLE(cols.length, 16);
      header.writeDoubleLE(gen, 24);
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, header);
        for (const c of [cols.t, cols.o, cols.h, cols.l, cols.c, cols.v]) writeSync(fd, c.subarray(0, cols.length));
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, target);
      return true;
    } catch {
      rmSync(tmp, { force: true });
      return false;
    }
  }
}

/** Bars fromT <= t <= toT of whole-series columns, as views (no copy). */
export function sliceColumns(cols: BarColumns, fromT: number, toT: number): BarColumns {
  const t = cols.t;
  const first = (x: number) => {
    let lo = 0;
    let hi = cols.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((t[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const from = fromT === -Infinity ? 0 : first(fromT);
  const to = Math.max(from, toT === Infinity ? cols.length : first(Math.floor(toT) + 1));
  if (from === 0 && to === cols.length) return cols;
  const s = (a: Float64Array) => a.subarray(from, to);
  return { length: to - from, t: s(cols.t), o: s(cols.o), h: s(cols.h), l: s(cols.l), c: s(cols.c), v: s(cols.v) };
}
