// The column file of a long bar series: answers exactly what the SQLite chunks hold, is rebuilt
// after every save to the series, and a damaged, truncated or stale file is never believed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, statSync, truncateSync, writeFileSync, readFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../../db/SqliteStore';
import { BAR_CACHE_DIR, HEADER_BYTES, MIN_CACHED_BARS, seriesFileName } from '../../../db/barColumnCache';
import { columnsFromBars, type BarColumns } from '../../../engine/backtest/columns';
import type { Bar } from '../../../engine/domain/types';
import { makeTempDir } from './fixtures';

const T0 = Date.UTC(2021, 0, 4);
const N = MIN_CACHED_BARS + 4_000;
const makeBars = (n: number, from = 0, shift = 0): Bar[] =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const c = 100 + Math.sin(i / 50) * 5 + shift;
    return { t: T0 + i * 60_000, o: c - 0.1, h: c + 0.5, l: c - 0.5, c, v: 1000 + (i % 7) };
  });

/** Column-by-column byte equality (toEqual walks a typed array element by element: seconds here). */
function expectSame(a: BarColumns, b: BarColumns): void {
  expect(a.length).toBe(b.length);
  const bytes = (x: Float64Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) expect(bytes(a[k]).equals(bytes(b[k])), `column ${k}`).toBe(true);
}

let dir: string;
let cleanup: () => void;
let store: SqliteStore;
const file = () => join(dir, BAR_CACHE_DIR, seriesFileName('BTC/USD', '1Min'));
const everything = () => store.loadBarColumns('BTC/USD', '1Min', -Infinity, Infinity);

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('barcache-'));
  store = SqliteStore.open(dir);
  store.saveBars('BTC/USD', '1Min', makeBars(N));
});
afterEach(() => {
  store.close();
  cleanup();
});

describe('bar column cache', () => {
  it('the first load of a long series writes its column file; later loads come from it and equal the chunks', () => {
    expect(existsSync(file())).toBe(false);
    const first = everything();
    expectSame(first, columnsFromBars(makeBars(N)));
    expect(statSync(file()).size).toBe(HEADER_BYTES + N * 48);
    const again = everything();
    expectSame(again, first);
    // ranges come from the same file, as views of one buffer
    const from = T0 + 1000 * 60_000;
    const to = T0 + 70_000 * 60_000 + 30_000; // between two bars
    const part = store.loadBarColumns('BTC/USD', '1Min', from, to);
    expectSame(part, columnsFromBars(makeBars(N).filter((b) => b.t >= from && b.t <= to)));
    expect(part.c.buffer).toBe(part.t.buffer);
  });

  it('a save to the series (new bars, or a revised bar at the same time) makes the file stale: the next load sees it', () => {
    everything();
    store.saveBars('BTC/USD', '1Min', makeBars(10, N));
    expect(everything().length).toBe(N + 10);
    const revised = { ...makeBars(1, 500)[0]!, c: 12345, h: 12346 };
    store.saveBars('BTC/USD', '1Min', [revised]);
    const after = everything();
    expect(after.c[500]).toBe(12345);
    expect(after.length).toBe(N + 10);
    // and a fresh connection (a restart) agrees
    store.close();
    store = SqliteStore.open(dir);
    expect(everything().c[500]).toBe(12345);
  });

  it('never believes a truncated, corrupted or stale file: it answers from the chunks and rebuilds it', () => {
    everything();
    const good = readFileSync(file());
    truncateSync(file(), HEADER_BYTES + 48 * 100);
    expectSame(everything(), columnsFromBars(makeBars(N)));
    expect(readFileSync(file()).equals(good)).toBe(true);
    // garbage header
    writeFileSync(file(), Buffer.alloc(good.length, 7));
    expectSame(everything(), columnsFromBars(makeBars(N)));
    // a file of an older generation (copied aside before a save, put back after)
    copyFileSync(file(), file() + '.old');
    store.saveBars('BTC/USD', '1Min', [{ ...makeBars(1, 3)[0]!, c: 1, l: 0.5, o: 1 }]);
    copyFileSync(file() + '.old', file());
    expect(everything().c[3]).toBe(1);
  });

  it('short series get no file; a read-only store still reads through the cache', () => {
    store.saveBars('AAPL', '1Min', makeBars(1000));
    expect(store.loadBarColumns('AAPL', '1Min', -Infinity, Infinity).length).toBe(1000);
    const cacheDir = join(dir, BAR_CACHE_DIR);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.startsWith(Buffer.from('AAPL').toString('hex'))) : []).toHaveLength(0);
    everything();
    store.close();
    store = SqliteStore.openReadOnly(dir);
    expectSame(everything(), columnsFromBars(makeBars(N)));
  });
});
