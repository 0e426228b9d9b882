// The emulator's own market: a seeded price path per symbol, one 1-minute bar per tick,
// aggregated on demand into the timeframes Alpaca's bars endpoints accept. Deterministic for a
// given seed and start time, so a test can predict prices and a rerun sees the same market.

export type EmuAssetClass = 'us_equity' | 'crypto';

export interface SymbolSpec {
  symbol: string;
  name: string;
  assetClass: EmuAssetClass;
  exchange: string;
  startPrice: number;
  /** standard deviation of one minute's log return */
  volatility: number;
  fractionable: boolean;
  shortable: boolean;
  /** crypto only: smallest order quantity, smallest qty step, smallest price step */
  minOrderSize?: number;
  minTradeIncrement?: number;
  priceIncrement?: number;
}

export const DEFAULT_SYMBOLS: SymbolSpec[] = [
  { symbol: 'AAPL', name: 'Apple Inc. Common Stock', assetClass: 'us_equity', exchange: 'NASDAQ', startPrice: 185, volatility: 0.0012, fractionable: true, shortable: true },
  { symbol: 'MSFT', name: 'Microsoft Corporation Common Stock', assetClass: 'us_equity', exchange: 'NASDAQ', startPrice: 410, volatility: 0.0011, fractionable: true, shortable: true },
  { symbol: 'SPY', name: 'SPDR S&P 500 ETF Trust', assetClass: 'us_equity', exchange: 'ARCA', startPrice: 510, volatility: 0.0006, fractionable: true, shortable: true },
  { symbol: 'TSLA', name: 'Tesla, Inc. Common Stock', assetClass: 'us_equity', exchange: 'NASDAQ', startPrice: 190, volatility: 0.0025, fractionable: true, shortable: true },
  { symbol: 'GME', name: 'GameStop Corp. Class A Common Stock', assetClass: 'us_equity', exchange: 'NYSE', startPrice: 15, volatility: 0.004, fractionable: false, shortable: false },
  { symbol: 'BTC/USD', name: 'Bitcoin / US Dollar', assetClass: 'crypto', exchange: 'CRYPTO', startPrice: 64000, volatility: 0.0015, fractionable: true, shortable: false, minOrderSize: 0.0001, minTradeIncrement: 0.000000001, priceIncrement: 1 },
  { symbol: 'ETH/USD', name: 'Ethereum / US Dollar', assetClass: 'crypto', exchange: 'CRYPTO', startPrice: 3200, volatility: 0.0018, fractionable: true, shortable: false, minOrderSize: 0.001, minTradeIncrement: 0.000000001, priceIncrement: 0.1 },
];

export const MINUTE_MS = 60_000;

/** Bar timeframes the emulator understands, in Alpaca's spelling, with their length. */
const TIMEFRAMES: Record<string, number> = {
  '1Min': MINUTE_MS,
  '5Min': 5 * MINUTE_MS,
  '15Min': 15 * MINUTE_MS,
  '30Min': 30 * MINUTE_MS,
  '1Hour': 60 * MINUTE_MS,
  '1Day': 1440 * MINUTE_MS,
  '1T': MINUTE_MS,
  '1H': 60 * MINUTE_MS,
  '1D': 1440 * MINUTE_MS,
};

export function timeframeMs(tf: string): number | null {
  return TIMEFRAMES[tf] ?? null;
}

export interface EmuBar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number;
  vw: number;
}

export type MarketHours = 'always' | 'nyse';

/** mulberry32: small, fast, good enough for a price path; the seed fully determines the path. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const nyFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  weekday: 'short',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hourCycle: 'h23',
});

interface NyParts {
  weekday: string;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function nyParts(t: number): NyParts {
  const p: NyParts = { weekday: '', year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const x of nyFormat.formatToParts(t)) {
    if (x.type === 'weekday') p.weekday = x.value;
    else if (x.type === 'year' || x.type === 'month' || x.type === 'day' || x.type === 'hour' || x.type === 'minute' || x.type === 'second') p[x.type] = Number(x.value);
  }
  return p;
}

/** UTC time of a New York wall-clock time (two passes settle the DST offset). */
function nyToUtc(year: number, month: number, day: number, hour: number, minute: number): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let t = wall;
  for (let i = 0; i < 2; i++) {
    const p = nyParts(t);
    t = wall - (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000);
  }
  return t;
}

/** Regular NYSE session (09:30-16:00 New York time, Monday-Friday; holidays ignored). */
export function inNyseSession(t: number): boolean {
  const p = nyParts(t);
  if (p.weekday === 'Sat' || p.weekday === 'Sun') return false;
  const m = p.hour * 60 + p.minute;
  return m >= 9 * 60 + 30 && m < 16 * 60;
}

/** The next regular-session open and close strictly after `t`. */
export function nextNyseOpenClose(t: number): { nextOpen: number; nextClose: number } {
  const today = nyParts(t);
  let nextOpen = 0;
  let nextClose = 0;
  // eight calendar days always include a weekday session after t
  for (let k = 0; k < 9 && (nextOpen === 0 || nextClose === 0); k++) {
    const noon = Date.UTC(today.year, today.month - 1, today.day + k, 17, 0);
    const d = nyParts(noon);
    if (d.weekday === 'Sat' || d.weekday === 'Sun') continue;
    const open = nyToUtc(d.year, d.month, d.day, 9, 30);
    const close = nyToUtc(d.year, d.month, d.day, 16, 0);
    if (nextOpen === 0 && open > t) nextOpen = open;
    if (nextClose === 0 && close > t) nextClose = close;
  }
  return { nextOpen, nextClose };
}

/** Round to a price step without binary noise (160.92, not 160.92000000000002). */
export function roundTo(x: number, step: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  return Number((Math.round(x / step) * step).toFixed(Math.min(decimals, 12)));
}

function priceStep(spec: SymbolSpec, price: number): number {
  if (spec.assetClass === 'crypto') return spec.priceIncrement ?? 0.01;
  return price >= 1 ? 0.01 : 0.0001;
}

class SymbolSeries {
  readonly t: number[] = [];
  readonly bars: EmuBar[] = [];
  private readonly rand: () => number;
  last: number;

  constructor(readonly spec: SymbolSpec, seed: number) {
    this.rand = mulberry32(seed ^ hashString(spec.symbol));
    this.last = spec.startPrice;
  }

  private gauss(): number {
    // Box-Muller; 1 - u keeps log() finite
    const u = 1 - this.rand();
    const v = this.rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Append the bar that opens at `t`; four sub-steps give it a realistic high and low. */
  generate(t: number): EmuBar {
    const spec = this.spec;
    const step = priceStep(spec, this.last);
    const o = roundTo(this.last, step);
    let p = o;
    let h = o;
    let l = o;
    for (let i = 0; i < 4; i++) {
      p = p * Math.exp((spec.volatility / 2) * this.gauss());
      h = Math.max(h, p);
      l = Math.min(l, p);
    }
    const c = roundTo(p, step);
    h = roundTo(Math.max(h, c), step);
    l = roundTo(Math.min(l, c), step);
    const base = spec.assetClass === 'crypto' ? 2 : 20_000;
    const v = spec.assetClass === 'crypto' ? Math.round((base + this.rand() * 8) * 1e4) / 1e4 : Math.round(base * (0.5 + this.rand()));
    const n = 20 + Math.floor(this.rand() * 200);
    const vw = roundTo((o + h + l + c) / 4, step / 100);
    const bar: EmuBar = { t, o, h, l, c, v, n, vw };
    this.t.push(t);
    this.bars.push(bar);
    this.last = c;
    return bar;
  }
}

/** First index whose value is >= x (values sorted ascending). */
function lowerBound(values: number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface MarketOptions {
  seed: number;
  symbols: SymbolSpec[];
  /** emulator time at start (ms, rounded down to the minute) */
  startTime: number;
  /** minutes of history generated before startTime */
  historyMinutes: number;
  marketHours: MarketHours;
}

export class EmuMarket {
  private readonly series = new Map<string, SymbolSeries>();
  /** the emulator's clock; bars exist for every minute that ended at or before it */
  now: number;
  readonly marketHours: MarketHours;

  constructor(opts: MarketOptions) {
    this.marketHours = opts.marketHours;
    this.now = Math.floor(opts.startTime / MINUTE_MS) * MINUTE_MS;
    for (const spec of opts.symbols) this.series.set(spec.symbol, new SymbolSeries(spec, opts.seed));
    const from = this.now - opts.historyMinutes * MINUTE_MS;
    for (let t = from; t < this.now; t += MINUTE_MS) this.generateMinute(t);
  }

  specs(): SymbolSpec[] {
    return [...this.series.values()].map((s) => s.spec);
  }

  spec(symbol: string): SymbolSpec | null {
    return this.series.get(symbol)?.spec ?? null;
  }

  /** Stocks trade only in session unless the market is configured as always open; crypto never closes. */
  isOpen(assetClass: EmuAssetClass, t = this.now): boolean {
    if (assetClass === 'crypto' || this.marketHours === 'always') return true;
    return inNyseSession(t);
  }

  private generateMinute(t: number): { symbol: string; bar: EmuBar }[] {
    const out: { symbol: string; bar: EmuBar }[] = [];
    const stocksOpen = this.isOpen('us_equity', t);
    for (const s of this.series.values()) {
      if (s.spec.assetClass === 'us_equity' && !stocksOpen) continue;
      out.push({ symbol: s.spec.symbol, bar: s.generate(t) });
    }
    return out;
  }

  /** Move the clock one minute; returns the bars completed by this tick. */
  tick(): { symbol: string; bar: EmuBar }[] {
    const bars = this.generateMinute(this.now);
    this.now += MINUTE_MS;
    return bars;
  }

  lastPrice(symbol: string): number | null {
    return this.series.get(symbol)?.last ?? null;
  }

  /** Force a price (tests that need a limit to cross, or an external position's mark). */
  setPrice(symbol: string, price: number): void {
    const s = this.series.get(symbol);
    if (s) s.last = price;
  }

  /**
   * Bars of `tfMs` whose open time lies in [start, end], oldest first, aggregated from the
   * 1-minute series; a bucket appears only once at least one of its minutes has completed.
   */
  bars(symbol: string, tfMs: number, start: number, end: number): EmuBar[] {
    const s = this.series.get(symbol);
    if (!s) return [];
    const bucketStart = Math.floor(start / tfMs) * tfMs;
    const from = lowerBound(s.t, bucketStart);
    const out: EmuBar[] = [];
    let cur: EmuBar | null = null;
    let pv = 0;
    for (let i = from; i < s.bars.length; i++) {
      const b = s.bars[i] as EmuBar;
      const bucket = Math.floor(b.t / tfMs) * tfMs;
      if (bucket > end) break;
      if (!cur || cur.t !== bucket) {
        if (cur) out.push({ ...cur, vw: cur.v > 0 ? pv / cur.v : cur.vw });
        cur = { t: bucket, o: b.o, h: b.h, l: b.l, c: b.c, v: 0, n: 0, vw: b.vw };
        pv = 0;
      }
      cur.h = Math.max(cur.h, b.h);
      cur.l = Math.min(cur.l, b.l);
      cur.c = b.c;
      cur.v += b.v;
      cur.n += b.n;
      pv += b.vw * b.v;
    }
    if (cur) out.push({ ...cur, vw: cur.v > 0 ? pv / cur.v : cur.vw });
    return out.filter((b) => b.t >= start && b.t <= end);
  }

  /** Whether stocks trade now, and the next session open and close (GET /v2/clock). */
  nextOpenClose(t = this.now): { isOpen: boolean; nextOpen: number; nextClose: number } {
    if (this.marketHours === 'always') {
      const dayStart = Math.floor(t / 86_400_000) * 86_400_000;
      return { isOpen: true, nextOpen: dayStart + 86_400_000, nextClose: dayStart + 86_400_000 - MINUTE_MS };
    }
    return { isOpen: inNyseSession(t), ...nextNyseOpenClose(t) };
  }
}
