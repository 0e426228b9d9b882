// Columnar bar storage for the backtester: one Float64Array per field keeps the hot loop
// free of object access and allocation, and moves cheaply between worker threads.
import type { Bar } from '../domain/types';

export interface BarColumns {
  readonly length: number;
  readonly t: Float64Array;
  readonly o: Float64Array;
  readonly h: Float64Array;
  readonly l: Float64Array;
  readonly c: Float64Array;
  readonly v: Float64Array;
}

/** the six field arrays without a length (a buffer whose arrays are longer than its bars) */
export type BarFields = Omit<BarColumns, 'length'>;

/** write `b` at position i of the field arrays */
export function setBarAt(cols: BarFields, i: number, b: Bar): void {
  cols.t[i] = b.t;
  cols.o[i] = b.o;
  cols.h[i] = b.h;
  cols.l[i] = b.l;
  cols.c[i] = b.c;
  cols.v[i] = b.v;
}

export function columnsFromBars(bars: readonly Bar[]): BarColumns {
  const n = bars.length;
  const cols = { length: n, t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
  for (let i = 0; i < n; i++) setBarAt(cols, i, bars[i]!);
  return cols;
}

/** a contiguous range [from, to) of the same columns, without copying */
export function sliceColumns(cols: BarColumns, from: number, to: number): BarColumns {
  return {
    length: to - from,
    t: cols.t.subarray(from, to),
    o: cols.o.subarray(from, to),
    h: cols.h.subarray(from, to),
    l: cols.l.subarray(from, to),
    c: cols.c.subarray(from, to),
    v: cols.v.subarray(from, to),
  };
}

export function barAt(cols: BarFields, i: number): Bar {
  return { t: cols.t[i]!, o: cols.o[i]!, h: cols.h[i]!, l: cols.l[i]!, c: cols.c[i]!, v: cols.v[i]! };
}
