// AlpacaMarketData: the MarketData port over Alpaca's bars.
// - load(): asset metadata (tradable, fractionable, shortable, increments) and history, paginated
//   (stocks /v2/stocks/bars, crypto /v1beta3/crypto/us/bars), through the optional bar cache: only
//   what the cache lacks is fetched, and what is fetched is cached.
// - start(): live minute bars over the data streams (msgpack, as the SDK speaks it), batched per
//   event-loop turn; after a stream reconnects, the gap is backfilled over REST before live bars
//   resume, so a strategy never sees a hole or a bar twice.
// The port is synchronous (history(), lastPrice()): it reads what load() and the stream keep here.
import type { streaming } from '@alpacahq/alpaca-trade-api';
import type { Bar, Instrument, Timeframe } from '../../domain/types';
import { TIMEFRAME_MS } from '../../domain/types';
import type { BrokerResult, Clock, MarketData, Store } from '../../ports';
import { systemClock } from '../../ports';
import { consoleLog, type AlpacaClient, type AlpacaLog, type StreamTuning } from './client';
import { asFailure, describeFailure, type CallFailure } from './errors';
import { parseAsset, parseBar, parseClock, type AlpacaAsset, type MarketClock } from './wire';

export type BarCache = Pick<Store, 'loadBars' | 'saveBars'>;

export interface AlpacaMarketDataOptions {
  /** stock symbols (AAPL) and crypto pairs (BTC/USD) */
  symbols: string[];
  timeframe?: Timeframe;
  /** bars kept per symbol for history() */
  historyLimit?: number;
  clock?: Clock;
  cache?: BarCache | null;
  log?: AlpacaLog;
  stream?: StreamTuning;
  /** bars per REST page (Alpaca allows up to 10000) */
  pageLimit?: number;
  /** a bound on pages per fetch, so a server that keeps returning tokens cannot loop us forever */
  maxPages?: number;
}

export interface MarketDataStatus {
  connected: boolean;
  message: string;
}

const DAY_MS = 86_400_000;

type StreamHandle = { stream: streaming.MarketDataStream; lastRaw: () => string | null; connected: boolean };

export class AlpacaMarketData implements MarketData {
  readonly timeframe: Timeframe;
  private readonly tfMs: number;
  private readonly symbols: string[];
  private readonly historyLimit: number;
  private readonly clock: Clock;
  private readonly cache: BarCache | null;
  private readonly log: AlpacaLog;
  private readonly pageLimit: number;
  private readonly maxPages: number;
  private readonly assets = new Map<string, AlpacaAsset>();
  private readonly series = new Map<string, Bar[]>();
  /** the bucket being built when the timeframe is longer than the stream's minute bars */
  private readonly partial = new Map<string, Bar>();
  private readonly barListeners = new Set<(batch: { symbol: string; bar: Bar }[]) => void>();
  private readonly statusListeners = new Set<(s: MarketDataStatus) => void>();
  private pending: { symbol: string; bar: Bar }[] = [];
  private flushQueued = false;
  /** live bars wait here while a backfill fills the gap before them */
  private held: { symbol: string; bar: Bar }[] | null = null;
  private streams: StreamHandle[] = [];
  private current: MarketDataStatus = { connected: false, message: 'market data not started' };
  readonly counters = { liveBars: 0, duplicateBars: 0, malformed: 0, backfilledBars: 0, reconnects: 0 };

  constructor(
    private readonly client: AlpacaClient,
    private readonly opts: AlpacaMarketDataOptions,
  ) {
    this.timeframe = opts.timeframe ?? '1Min';
    this.tfMs = TIMEFRAME_MS[this.timeframe];
    this.symbols = [...new Set(opts.symbols)];
    this.historyLimit = opts.historyLimit ?? 500;
    this.clock = opts.clock ?? systemClock;
    this.cache = opts.cache ?? null;
    this.log = opts.log ?? consoleLog;
    this.pageLimit = opts.pageLimit ?? 10_000;
    this.maxPages = opts.maxPages ?? 200;
    for (const s of this.symbols) this.series.set(s, []);
  }

  get status(): MarketDataStatus {
    return this.current;
  }

  onStatus(listener: (s: MarketDataStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(connected: boolean, message: string): void {
    if (connected === this.current.connected && message === this.current.message) return;
    this.current = { connected, message };
    for (const l of this.statusListeners) l(this.current);
  }

  private isCrypto(symbol: string): boolean {
    const a = this.assets.get(symbol);
    return a ? a.instrument.assetClass === 'crypto' : symbol.includes('/');
  }

  // ---------- the port ----------

  instruments(): Instrument[] {
    return this.symbols.flatMap((s) => {
      const a = this.assets.get(s);
      return a ? [a.instrument] : [];
    });
  }

  history(symbol: string, limit: number): Bar[] {
    const s = this.series.get(symbol) ?? [];
    return limit >= s.length ? [...s] : s.slice(s.length - limit);
  }

  lastPrice(symbol: string): number | null {
    const s = this.series.get(symbol);
    const last = s?.[s.length - 1];
    return last ? last.c : null;
  }

  onBars(listener: (batch: { symbol: string; bar: Bar }[]) => void): () => void {
    this.barListeners.add(listener);
    return () => this.barListeners.delete(listener);
  }

  // ---------- REST ----------

  private async call<T>(doing: string, fn: () => Promise<T>): Promise<{ ok: true; value: T } | CallFailure> {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      return describeFailure(e, doing, this.client.describeHosts());
    }
  }

  /** Alpaca's clock: whether the stock market is open, and the next open and close. */
  async getClock(): Promise<BrokerResult<MarketClock>> {
    const res = await this.call('reading the market clock', () => this.client.sdk.trading.clock.legacyClock());
    if (!res.ok) return asFailure(res);
    const p = parseClock(res.value);
    if (!p.ok) {
      this.log('error', `the market clock from Alpaca could not be read (${p.problem})`, { raw: res.value });
      return { ok: false, kind: 'server', message: `the market clock from Alpaca could not be read (${p.problem})` };
    }
    return { ok: true, value: p.value };
  }

  /** Asset metadata, then history for every symbol; fails with the first problem a user must fix. */
  async load(): Promise<BrokerResult<void>> {
    for (const symbol of this.symbols) {
      const res = await this.call(`reading asset ${symbol}`, () => this.client.sdk.trading.assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: symbol }));
      if (!res.ok) {
        if (res.kind === 'not_found') return { ok: false, kind: 'not_found', message: `Alpaca does not know the symbol ${symbol}` };
        return asFailure(res);
      }
      const p = parseAsset(res.value);
      if (!p.ok) {
        this.log('error', `asset ${symbol} from Alpaca could not be read (${p.problem})`, { raw: res.value });
        return { ok: false, kind: 'server', message: `asset ${symbol} from Alpaca could not be read (${p.problem})` };
      }
      if (!p.value.tradable) this.log('warn', `${symbol} is not tradable at Alpaca (status ${p.value.status})`);
      this.assets.set(symbol, p.value);
    }
    const now = this.clock.now();
    for (const crypto of [false, true]) {
      const group = this.symbols.filter((s) => this.isCrypto(s) === crypto);
      if (group.length === 0) continue;
      // enough calendar time to hold historyLimit bars: stocks trade 6.5 h a day, 5 days a week
      const window = this.historyLimit * this.tfMs * (crypto ? 1.2 : 4) + (crypto ? 0 : 4 * DAY_MS);
      let from = now;
      for (const s of group) {
        const cached = this.cache ? this.cache.loadBars(s, this.timeframe, now - window, now) : [];
        this.series.set(s, cached.slice(-this.historyLimit));
        const last = cached[cached.length - 1];
        from = Math.min(from, last ? last.t + this.tfMs : now - window);
      }
      const fetched = await this.fetchBars(group, crypto, from, null);
      if (!fetched.ok) return fetched;
      for (const s of group) this.merge(s, fetched.value.get(s) ?? []);
    }
    return { ok: true, value: undefined };
  }

  /** Add bars newer than what we hold (older or equal times are duplicates); returns those added. */
  private merge(symbol: string, bars: Bar[]): Bar[] {
    const s = this.series.get(symbol) ?? [];
    let lastT = s[s.length - 1]?.t ?? -Infinity;
    const added: Bar[] = [];
    for (const b of [...bars].sort((a, c) => a.t - c.t)) {
      if (b.t <= lastT) continue;
      s.push(b);
      added.push(b);
      lastT = b.t;
    }
    if (s.length > this.historyLimit) s.splice(0, s.length - this.historyLimit);
    this.series.set(symbol, s);
    if (added.length > 0 && this.cache) this.cache.saveBars(symbol, this.timeframe, added);
    return added;
  }

  /** Completed bars from `start` (inclusive) for a group of same-class symbols, every page. */
  private async fetchBars(symbols: string[], crypto: boolean, start: number, end: number | null): Promise<BrokerResult<Map<string, Bar[]>>> {
    const out = new Map<string, Bar[]>();
    const seenTokens = new Set<string>();
    let pageToken: string | undefined;
    const doing = `loading ${this.timeframe} bars for ${symbols.join(', ')}`;
    for (let page = 0; page < this.maxPages; page++) {
      const common = {
        symbols: symbols.join(','),
        timeframe: this.timeframe,
        start: new Date(start),
        end: end === null ? undefined : new Date(end),
        limit: this.pageLimit,
        pageToken,
        sort: 'asc' as const,
      };
      const res = crypto
        ? await this.call(doing, () => this.client.sdk.marketData.crypto.cryptoBars({ ...common, loc: 'us' }))
        : await this.call(doing, () => this.client.sdk.marketData.stocks.stockBars({ ...common, feed: this.client.config.stockFeed }));
      if (!res.ok) return asFailure(res);
      const map: unknown = res.value.bars;
      if (map !== undefined && map !== null && (typeof map !== 'object' || Array.isArray(map))) {
        this.log('error', `bars from Alpaca could not be read (bars is not a map)`, { raw: map });
        return { ok: false, kind: 'server', message: `bars from Alpaca could not be read while ${doing}` };
      }
      for (const [symbol, list] of Object.entries((map ?? {}) as Record<string, unknown>)) {
        if (!Array.isArray(list)) {
          this.counters.malformed++;
          this.log('warn', `bars for ${symbol} skipped: not a list`, { raw: list });
          continue;
        }
        const bars = out.get(symbol) ?? [];
        for (const raw of list) {
          const p = parseBar(raw);
          // a bucket still forming is left for the stream to complete; history holds finished bars
          if (p.ok) {
            if (p.value.t + this.tfMs <= this.clock.now()) bars.push(p.value);
          }
          else {
            this.counters.malformed++;
            this.log('warn', `a ${symbol} bar from Alpaca was skipped (${p.problem})`, { raw });
          }
        }
        out.set(symbol, bars);
      }
      const next = res.value.nextPageToken;
      if (typeof next !== 'string' || next === '' || seenTokens.has(next)) return { ok: true, value: out };
      seenTokens.add(next);
      pageToken = next;
    }
    this.log('warn', `stopped after ${this.maxPages} pages while ${doing}; the oldest part of the history may be missing`);
    return { ok: true, value: out };
  }

  /**
   * Fetch every bar since the last one held and deliver the new ones to onBars listeners, in time
   * order. Runs after a stream reconnect; live bars arriving meanwhile wait until it is done.
   */
  async backfill(): Promise<BrokerResult<number>> {
    const hold = this.held === null;
    if (hold) this.held = [];
    try {
      let total = 0;
      for (const crypto of [false, true]) {
        const group = this.symbols.filter((s) => this.isCrypto(s) === crypto);
        if (group.length === 0) continue;
        const from = Math.min(...group.map((s) => (this.series.get(s)?.at(-1)?.t ?? this.clock.now() - this.historyLimit * this.tfMs) + this.tfMs));
        const fetched = await this.fetchBars(group, crypto, from, null);
        if (!fetched.ok) return fetched;
        const batch: { symbol: string; bar: Bar }[] = [];
        for (const s of group) for (const bar of this.merge(s, fetched.value.get(s) ?? [])) batch.push({ symbol: s, bar });
        batch.sort((a, b) => a.bar.t - b.bar.t);
        total += batch.length;
        this.counters.backfilledBars += batch.length;
        if (batch.length > 0) this.deliver(batch);
      }
      return { ok: true, value: total };
    } finally {
      if (hold) {
        const waiting = this.held ?? [];
        this.held = null;
        for (const { symbol, bar } of waiting) this.ingest(symbol, bar);
      }
    }
  }

  // ---------- live ----------

  start(): void {
    if (this.streams.length > 0) return;
    const stocks = this.symbols.filter((s) => !this.isCrypto(s));
    const crypto = this.symbols.filter((s) => this.isCrypto(s));
    if (stocks.length > 0) this.open(this.client.stockStream(this.opts.stream), stocks, 'stocks');
    if (crypto.length > 0) this.open(this.client.cryptoStream(this.opts.stream), crypto, 'crypto');
    this.setStatus(false, 'connecting to Alpaca market data');
  }

  private open(h: { stream: streaming.MarketDataStream; lastRaw: () => string | null }, symbols: string[], label: string): void {
    const handle: StreamHandle = { ...h, connected: false };
    this.streams.push(handle);
    const { stream, lastRaw } = handle;
    const refresh = (): void => {
      const down = this.streams.filter((s) => !s.connected).length;
      this.setStatus(down === 0, down === 0 ? 'market data live' : `market data: ${down} of ${this.streams.length} streams down; reconnecting`);
    };
    stream.onBar((b) => {
      const p = parseBar(b);
      if (!p.ok) {
        this.counters.malformed++;
        this.log('warn', `a live ${label} bar was skipped (${p.problem})`, { raw: lastRaw() });
        return;
      }
      this.ingest(b.symbol, p.value);
    });
    stream.on('subscription', () => {
      handle.connected = true;
      refresh();
    });
    stream.onError((msg: string) => {
      if (/failed to (decode|process) message/.test(msg)) {
        this.counters.malformed++;
        this.log('warn', `malformed ${label} market-data message skipped: ${msg}`, { raw: lastRaw() });
        return;
      }
      if (msg === 'auth failed' || msg === 'not authenticated') {
        this.setStatus(false, `Alpaca refused the API keys on the ${label} market-data stream; check the key ID and secret`);
        return;
      }
      if (msg === 'connection limit exceeded') {
        this.setStatus(false, `Alpaca allows one ${label} market-data connection per account and another one is open (another app or another copy of this one?)`);
        return;
      }
      this.log('warn', `${label} market-data stream: ${msg}`);
    });
    stream.onDisconnect(() => {
      handle.connected = false;
      refresh();
    });
    stream.onReconnected(() => {
      this.counters.reconnects++;
      void this.backfill().then((r) => {
        if (!r.ok) this.log('warn', `backfill after the ${label} stream came back failed: ${r.message}`);
      });
    });
    stream.subscribeForBars(symbols);
    stream.connect();
  }

  /** One live minute bar: drop repeats, aggregate into the timeframe, batch for listeners. */
  private ingest(symbol: string, minute: Bar): void {
    if (!this.series.has(symbol)) return;
    if (this.held !== null) {
      this.held.push({ symbol, bar: minute });
      return;
    }
    const lastT = this.series.get(symbol)?.at(-1)?.t ?? -Infinity;
    if (minute.t <= lastT) {
      this.counters.duplicateBars++;
      return;
    }
    let complete: Bar | null = minute;
    if (this.tfMs > 60_000) {
      const bucket = Math.floor(minute.t / this.tfMs) * this.tfMs;
      const cur = this.partial.get(symbol);
      complete = null;
      if (cur && cur.t !== bucket) {
        complete = cur;
        this.partial.delete(symbol);
      }
      const base = this.partial.get(symbol);
      this.partial.set(
        symbol,
        base
          ? { t: base.t, o: base.o, h: Math.max(base.h, minute.h), l: Math.min(base.l, minute.l), c: minute.c, v: base.v + minute.v }
          : { t: bucket, o: minute.o, h: minute.h, l: minute.l, c: minute.c, v: minute.v },
      );
      if (!complete || complete.t <= lastT) return;
    }
    this.counters.liveBars++;
    this.merge(symbol, [complete]);
    this.pending.push({ symbol, bar: complete });
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        const batch = this.pending;
        this.pending = [];
        if (batch.length > 0) this.deliver(batch);
      });
    }
  }

  private deliver(batch: { symbol: string; bar: Bar }[]): void {
    for (const l of this.barListeners) {
      try {
        l(batch);
      } catch (e) {
        this.log('error', 'a bar listener threw', e);
      }
    }
  }

  stop(): void {
    for (const h of this.streams) h.stream.disconnect();
    this.streams = [];
    this.setStatus(false, 'market data stopped');
  }
}
