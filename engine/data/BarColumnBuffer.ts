// A growable buffer of bars kept as columns (one Float64Array per field). Bars that wait a
// while (unsaved live bars, the simulator's recent history) would otherwise be objects that
// outlive several young-generation collections: at full simulator speed that promoted ~35 MB/s of
// bar objects to the old generation, and the major collections it forced were the longest
// pauses of the engine thread. Copied into columns, a bar object dies young; the columns are
// reused, so a steady stream allocates nothing here.
import { barAt, setBarAt, type BarColumns, type BarFields } from '../backtest/columns';
import type { Bar } from '../domain/types';

const MIN_CAPACITY = 64;

function fields(n: number): BarFields {
  return { t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
}

export class BarColumnBuffer {
  private cols: BarFields;
  private start = 0;
  private end = 0;

  constructor(capacity = MIN_CAPACITY) {
    this.cols = fields(Math.max(MIN_CAPACITY, Math.ceil(capacity)));
  }

  get length(): number {
    return this.end - this.start;
  }

  push(bar: Bar): void {
    if (this.end === this.cols.t.length) this.makeRoom();
    setBarAt(this.cols, this.end++, bar);
  }

  /**
   * The oldest `n` bars (all when n is larger) as column views. The views share the buffer's
   * memory: use them before the next push or drop.
   */
  oldest(n: number): BarColumns {
    const from = this.start;
    const to = from + Math.max(0, Math.min(Math.floor(n), this.length));
    const { t, o, h, l, c, v } = this.cols;
    return { length: to - from, t: t.subarray(from, to), o: o.subarray(from, to), h: h.subarray(from, to), l: l.subarray(from, to), c: c.subarray(from, to), v: v.subarray(from, to) };
  }

  /** remove the oldest `n` bars (once they are saved) */
  drop(n: number): void {
    this.start += Math.max(0, Math.min(Math.floor(n), this.length));
    // empty: start over at the front, so the memory is reused instead of grown
    if (this.start === this.end) this.start = this.end = 0;
  }

  /** the bar at position i (0 = oldest), as a new object */
  at(i: number): Bar | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) return undefined;
    return barAt(this.cols, this.start + i);
  }

  /** a full buffer: move the live bars to the front, or grow when more than half is live */
  private makeRoom(): void {
    const live = this.length;
    const cap = this.cols.t.length;
    if (live * 2 > cap) {
      const bigger = fields(cap * 2);
      for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) bigger[k].set(this.cols[k].subarray(this.start, this.end));
      this.cols = bigger;
    } else {
      for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) this.cols[k].copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = live;
  }
}
