// A growable buffer of bars kept as columns (one Float64Array per field). Bars that wait a
// while (unsaved live bars, the simulator's recent history) would otherwise be objects that
// outlive several young-generation collections: at full simulator speed that promoted ~35 MB/s of
// bar objects to the old generation, and the major collections it forced were the longest
// pauses of the engine thread. Copied into columns, a bar object dies young; the columns are
// reused, so a steady stream allocates nothing here.
import type { BarColumns } from '../backtest/columns';
import type { Bar } from '../domain/types';

const MIN_CAPACITY = 64;

export class BarColumnBuffer {
  private t: Float64Array;
  private o: Float64Array;
  private h: Float64Array;
  private l: Float64Array;
  private c: Float64Array;
  private v: Float64Array;
  private start = 0;
  private end = 0;

  constructor(capacity = MIN_CAPACITY) {
    const n = Math.max(MIN_CAPACITY, Math.ceil(capacity));
    this.t = new Float64Array(n);
    this.o = new Float64Array(n);
    this.h = new Float64Array(n);
    this.l = new Float64Array(n);
    this.c = new Float64Array(n);
    this.v = new Float64Array(n);
  }

  get length(): number {
    return this.end - this.start;
  }

  push(bar: Bar): void {
    if (this.end === this.t.length) this.makeRoom();
    const i = this.end++;
    this.t[i] = bar.t;
    this.o[i] = bar.o;
    this.h[i] = bar.h;
    this.l[i] = bar.l;
    this.c[i] = bar.c;
    this.v[i] = bar.v;
  }

  /**
   * The oldest `n` bars (all when n is larger) as column views. The views share the buffer's
   * memory: use them before the next push or drop.
   */
  oldest(n: number): BarColumns {
    const from = this.start;
    const to = from + Math.max(0, Math.min(Math.floor(n), this.length));
    return {
      length: to - from,
      t: this.t.subarray(from, to),
      o: this.o.subarray(from, to),
      h: this.h.subarray(from, to),
      l: this.l.subarray(from, to),
      c: this.c.subarray(from, to),
      v: this.v.subarray(from, to),
    };
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
    const j = this.start + i;
    return { t: this.t[j]!, o: this.o[j]!, h: this.h[j]!, l: this.l[j]!, c: this.c[j]!, v: this.v[j]! };
  }

  /** a full buffer: move the live bars to the front, or grow when more than half is live */
  private makeRoom(): void {
    const live = this.length;
    const cap = this.t.length;
    const grow = live * 2 > cap;
    const size = grow ? cap * 2 : cap;
    const move = (a: Float64Array): Float64Array => {
      if (!grow) {
        a.copyWithin(0, this.start, this.end);
        return a;
      }
      const b = new Float64Array(size);
      b.set(a.subarray(this.start, this.end));
      return b;
    };
    this.t = move(this.t);
    this.o = move(this.o);
    this.h = move(this.h);
    this.l = move(this.l);
    this.c = move(this.c);
    this.v = move(this.v);
    this.start = 0;
    this.end = live;
  }
}
