// Per-symbol market statistics the risk rules need, kept up to date bar by bar on the same
// streaming indicators as the strategies: ATR(14) for stop-distance sizing, the recent history of
// ATR% for the volatility breaker, recent returns for the concentration rule, and when the last
// bar arrived for the stale-data rule.
import type { Bar } from '../domain/types';
import { Atr } from '../indicators/atr';

export const ATR_PERIOD = 14;
export const VOLATILITY_LOOKBACK = 100;
export const CORRELATION_BARS = 60;

/** Fixed-size ring of numbers, oldest first when read. */
class Ring {
  private readonly buf: Float64Array;
  private start = 0;
  size = 0;
  constructor(readonly capacity: number) {
    this.buf = new Float64Array(capacity);
  }
  push(x: number): void {
    if (this.size < this.capacity) {
      this.buf[(this.start + this.size) % this.capacity] = x;
      this.size++;
    } else {
      this.buf[this.start] = x;
      this.start = (this.start + 1) % this.capacity;
    }
  }
  /** i-th value from the oldest */
  at(i: number): number {
    return this.buf[(this.start + i) % this.capacity] as number;
  }
  /** oldest first, as a fresh typed array */
  toTyped(): Float64Array {
    const out = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.at(i);
    return out;
  }
}

export class SymbolStats {
  private readonly atr = new Atr(ATR_PERIOD);
  private readonly atrPct = new Ring(VOLATILITY_LOOKBACK);
  /** log returns of closes, newest last */
  private readonly returns = new Ring(CORRELATION_BARS);
  private lastClose: number | null = null;
  /** market time of the last bar */
  lastBarTime: number | null = null;
  /** wall-clock time the last bar arrived (null for history used to warm up) */
  lastArrival: number | null = null;
  /** bumped on every bar; the derived values below are cached per version (checks outnumber bars) */
  private version = 0;
  private medianAt = -1;
  private medianCache: number | null = null;
  private returnsAt = -1;
  private returnsCache: Float64Array = new Float64Array(0);

  update(bar: Bar, arrivedAt: number | null): void {
    const atr = this.atr.update(bar);
    if (atr !== null && bar.c > 0) this.atrPct.push(atr / bar.c);
    if (this.lastClose !== null && this.lastClose > 0 && bar.c > 0) this.returns.push(Math.log(bar.c / this.lastClose));
    this.lastClose = bar.c;
    this.lastBarTime = bar.t;
    if (arrivedAt !== null) this.lastArrival = arrivedAt;
    this.version++;
  }

  get atrValue(): number | null {
    return this.atr.value;
  }

  get currentAtrPct(): number | null {
    return this.atrPct.size > 0 ? this.atrPct.at(this.atrPct.size - 1) : null;
  }

  /** median ATR% over the last 100 bars, or null until there are that many */
  medianAtrPct(): number | null {
    if (this.medianAt !== this.version) {
      this.medianAt = this.version;
      if (this.atrPct.size < VOLATILITY_LOOKBACK) {
        this.medianCache = null;
      } else {
        const xs = this.atrPct.toTyped().sort(); // typed arrays sort numerically
        this.medianCache = ((xs[49] as number) + (xs[50] as number)) / 2;
      }
    }
    return this.medianCache;
  }

  /** the last returns, oldest first (a cached copy: do not modify) */
  recentReturns(): Float64Array {
    if (this.returnsAt !== this.version) {
      this.returnsAt = this.version;
      this.returnsCache = this.returns.toTyped();
    }
    return this.returnsCache;
  }
}

/** Pearson correlation of the last `n` returns of two symbols; null without enough data. */
export function returnCorrelation(a: SymbolStats, b: SymbolStats, n = CORRELATION_BARS): number | null {
  const ra = a.recentReturns();
  const rb = b.recentReturns();
  if (ra.length < n || rb.length < n) return null;
  const oa = ra.length - n;
  const ob = rb.length - n;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += ra[oa + i] as number;
    sb += rb[ob + i] as number;
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = (ra[oa + i] as number) - ma;
    const db = (rb[ob + i] as number) - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  if (va === 0 || vb === 0) return null;
  return cov / Math.sqrt(va * vb);
}
