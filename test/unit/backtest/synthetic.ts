// Deterministic synthetic bars for tests and benchmarks.
import type { BarColumns } from '../../../engine/backtest/columns';

/** seeded geometric random walk with intrabar ranges: deterministic, realistic enough for timing */
export function syntheticColumns(n: number, seed = 42): BarColumns {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const cols = { length: n, t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
  let price = 100;
  for (let i = 0; i < n; i++) {
    const open = price * (1 + (rnd() - 0.5) * 0.004);
    const close = open * (1 + (rnd() - 0.5) * 0.02);
    cols.t[i] = 1_600_000_000_000 + i * 60_000;
    cols.o[i] = open;
    cols.c[i] = close;
    cols.h[i] = Math.max(open, close) * (1 + rnd() * 0.005);
    cols.l[i] = Math.min(open, close) * (1 - rnd() * 0.005);
    cols.v[i] = 1000 + Math.floor(rnd() * 1000);
    price = close;
  }
  return cols;
}
