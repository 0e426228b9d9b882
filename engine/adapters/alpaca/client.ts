// Builds the official SDK client from our settings, pointed at Alpaca or at any compatible server.
//
// How the SDK is redirected (read from @alpacahq/alpaca-trade-api 4.0.2's sources):
// - REST: the `Alpaca` facade derives its hosts from `paper` (trading: paper-api/api.alpaca.markets,
//   data: data.alpaca.markets) and does not forward a `basePath`; every request goes through the
//   `fetchApi` option (core/runtime.ts, `BaseAPI.fetchApi`), so our fetchApi rewrites the origin of
//   those URLs to ALPACA_API_BASE_URL / ALPACA_DATA_BASE_URL. The same function takes a token
//   from the shared budget before each request (retries included), so the budget counts what goes
//   on the wire.
// - Streams: each stream factory (`trading.stream`, `marketData.stockStream`/`cryptoStream`)
//   accepts a `url` that overrides the derived endpoint, and a `wsFactory` through which we create
//   the socket ourselves, which lets us keep the raw bytes of a message the SDK cannot parse.
// The SDK's own limiter is off (it budgets trading and data separately; Alpaca counts the
// account) and its retries stay on for idempotent GETs only, as the SDK does: a POST is never
// replayed by the transport.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Alpaca, marketData, trading, type streaming } from '@alpacahq/alpaca-trade-api';
import { WebSocket } from 'ws';
import type { AlpacaConfig } from './config';
import { TokenBucket, type Priority } from './rateLimiter';

export type AlpacaLog = (level: 'info' | 'warn' | 'error', message: string, data?: unknown) => void;

export const consoleLog: AlpacaLog = (level, message, data) => {
  const line = `[alpaca] ${message}`;
  if (level === 'error') console.error(line, data ?? '');
  else if (level === 'warn') console.warn(line, data ?? '');
  else console.info(line, data ?? '');
};

/** The socket surface the SDK needs (its own WebSocketLike), plus our raw-frame tap. */
type WsFactory = NonNullable<streaming.TradingStreamOptions['wsFactory']>;

export interface StreamTuning {
  initialReconnectMs?: number;
  maxReconnectMs?: number;
  pingIntervalMs?: number;
}

export interface AlpacaClient {
  readonly sdk: Alpaca;
  readonly config: Readonly<Omit<AlpacaConfig, 'secret'>>;
  readonly environment: 'paper' | 'live';
  readonly limiter: TokenBucket;
  /** run `fn` with its requests ahead of routine ones in the request budget */
  urgent<T>(fn: () => Promise<T>): Promise<T>;
  tradingStream(tuning?: StreamTuning): { stream: streaming.TradingStream; lastRaw: () => string | null };
  stockStream(tuning?: StreamTuning): { stream: streaming.StockDataStream; lastRaw: () => string | null };
  cryptoStream(tuning?: StreamTuning): { stream: streaming.CryptoDataStream; lastRaw: () => string | null };
  /** where REST requests actually go, for messages */
  describeHosts(): string;
  close(): void;
}

export interface ClientDeps {
  /** underlying fetch (tests may wrap it); default the global fetch */
  fetch?: typeof fetch;
  /** retries of idempotent GETs done by the SDK (default 2) */
  maxRetries?: number;
  retryDelayMs?: number;
  /** the rate-limit window (default a minute; tests shrink it) */
  rateWindowMs?: number;
}

const TRADING_HOSTS = [trading.TRADING_PAPER_HOST, trading.TRADING_LIVE_HOST];
const DATA_HOSTS = [marketData.MARKET_DATA_HOST, marketData.MARKET_DATA_SANDBOX_HOST];

function rewrite(url: string, from: string[], to: string | null): string | null {
  if (to === null) return null;
  for (const host of from) {
    if (url === host || url.startsWith(`${host}/`) || url.startsWith(`${host}?`)) return to + url.slice(host.length);
  }
  return null;
}

function wsFromHttp(base: string, path: string): string {
  return base.replace(/^http/, 'ws') + path;
}

function rawText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data.filter((d): d is Buffer => Buffer.isBuffer(d))).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return String(data);
}

/** A socket factory equal to the SDK's default, keeping the last frame for malformed-message logs. */
function tappingFactory(): { factory: WsFactory; lastRaw: () => string | null } {
  let last: unknown = null;
  let binaryCodec = false;
  const factory: WsFactory = (url, codec) => {
    binaryCodec = codec === 'msgpack';
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      headers: codec === 'msgpack' ? { 'Content-Type': 'application/msgpack' } : undefined,
    });
    // registered before the SDK's listener, so `last` is the frame the SDK is handling
    ws.on('message', (data: unknown) => {
      last = data;
    });
    return ws as unknown as ReturnType<WsFactory>;
  };
  return {
    factory,
    // msgpack frames are logged as base64 (they are not text); JSON frames as they came
    lastRaw: () => (last === null ? null : binaryCodec && Buffer.isBuffer(last) ? `msgpack:${last.toString('base64')}` : rawText(last)),
  };
}

export function createAlpacaClient(config: AlpacaConfig, deps: ClientDeps = {}): AlpacaClient {
  const limiter = new TokenBucket({ perMinute: config.rateLimitPerMinute, windowMs: deps.rateWindowMs });
  const priority = new AsyncLocalStorage<Priority>();
  const baseFetch = deps.fetch ?? fetch;

  const fetchApi = async (url: string, init: RequestInit): Promise<Response> => {
    await limiter.acquire(priority.getStore() ?? 'normal', init.signal ?? undefined);
    const target = rewrite(url, TRADING_HOSTS, config.apiBaseUrl) ?? rewrite(url, DATA_HOSTS, config.dataBaseUrl) ?? url;
    return baseFetch(target, init);
  };

  const sdk = new Alpaca({
    keyId: config.keyId,
    secret: config.secret,
    paper: config.paper,
    timeoutMs: config.timeoutMs,
    rateLimit: false,
    retry: { maxRetries: deps.maxRetries ?? 2, retryDelayMs: deps.retryDelayMs ?? 250, maxDelayMs: 2_000 },
    fetchApi,
  });

  const streamUrl = config.streamUrl ?? (config.apiBaseUrl ? wsFromHttp(config.apiBaseUrl, '/stream') : undefined);
  const tune = (t: StreamTuning = {}): Partial<streaming.TradingStreamOptions> => ({
    reconnect: true,
    // a trading app must come back however long the outage; backoff caps the retry rate
    maxReconnectAttempts: -1,
    initialReconnectMs: t.initialReconnectMs ?? 500,
    maxReconnectMs: t.maxReconnectMs ?? 15_000,
    pingIntervalMs: t.pingIntervalMs ?? 10_000,
  });

  const { secret: _secret, ...publicConfig } = config;
  return {
    sdk,
    config: publicConfig,
    environment: config.paper ? 'paper' : 'live',
    limiter,
    urgent: (fn) => priority.run('urgent', fn),
    tradingStream: (t) => {
      const tap = tappingFactory();
      return { stream: sdk.trading.stream({ ...tune(t), url: streamUrl, wsFactory: tap.factory }), lastRaw: tap.lastRaw };
    },
    stockStream: (t) => {
      const tap = tappingFactory();
      const url = config.dataStreamUrl ? `${config.dataStreamUrl}/v2/${config.stockFeed}` : undefined;
      return { stream: sdk.marketData.stockStream({ ...tune(t), feed: config.stockFeed, url, wsFactory: tap.factory }), lastRaw: tap.lastRaw };
    },
    cryptoStream: (t) => {
      const tap = tappingFactory();
      const url = config.dataStreamUrl ? `${config.dataStreamUrl}/v1beta3/crypto/us` : undefined;
      return { stream: sdk.marketData.cryptoStream({ ...tune(t), url, wsFactory: tap.factory }), lastRaw: tap.lastRaw };
    },
    describeHosts: () => {
      const tradingHost = config.apiBaseUrl ?? (config.paper ? trading.TRADING_PAPER_HOST : trading.TRADING_LIVE_HOST);
      return `${tradingHost} (trading), ${config.dataBaseUrl ?? marketData.MARKET_DATA_HOST} (market data)`;
    },
    close: () => limiter.close(),
  };
}
