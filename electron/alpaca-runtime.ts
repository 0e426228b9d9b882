// Alpaca for the runtime: where the connection settings come from (the environment, the saved
// settings and keys), what is refused before anything is sent (no keys, paper keys on the live
// host, live keys on the paper host), the connection test behind Connection settings, and the
// session the runtime trades through: the SDK client, the trade-updates stream connected, asset
// metadata and history loaded (cached in the store as binary chunks) before the engine starts.
// The environment is read here, in electron/, and handed to the engine's adapters as values.
import { describeFailure } from '../engine/adapters/alpaca/errors';
import {
  AlpacaBroker,
  AlpacaMarketData,
  alpacaConfigFromEnv,
  createAlpacaClient,
  type AlpacaClient,
  type AlpacaConfig,
  type AlpacaEnv,
  type BarCache,
  type ClientDeps,
  type StreamTuning,
} from '../engine/adapters/alpaca';
import { parseAccount } from '../engine/adapters/alpaca/wire';
import type { AlpacaEnvironment, BrokerConnectionSettings, ConnectionTestOutcome, ConnectionTestResult } from '../engine/api/broker';
import type { Timeframe } from '../engine/domain/types';
import type { Broker, BrokerEvent, BrokerOrder, BrokerOrderRequest, BrokerResult, Clock } from '../engine/ports';
import type { HostLog } from './hosted-engine';
import { readConnectionSettings } from './secrets/connectionSettings';
import { maskKeyId } from './secrets/redact';
import { SecretStoreError, type AlpacaKeys, type SecretStore } from './secrets/types';

export type EnvLike = Readonly<Record<string, string | undefined>>;

/** The variables this build understands, by name (shown in Connection settings when set). */
export const ALPACA_ENV_VARS = [
  'APCA_API_KEY_ID',
  'APCA_API_SECRET_KEY',
  'ALPACA_PAPER',
  'ALPACA_API_BASE_URL',
  'ALPACA_DATA_BASE_URL',
  'ALPACA_STREAM_URL',
  'ALPACA_DATA_STREAM_URL',
  'ALPACA_STOCK_FEED',
  'ALPACA_TIMEOUT_MS',
  'ALPACA_RATE_LIMIT_PER_MIN',
  'ALPACA_SYMBOLS',
] as const;

/** What the engine watches and trades when ALPACA_SYMBOLS does not say otherwise. */
export const DEFAULT_ALPACA_SYMBOLS = ['AAPL', 'MSFT', 'SPY', 'BTC/USD', 'ETH/USD'];
const MAX_SYMBOLS = 30;

export const ALPACA_HOSTS = {
  paper: 'https://paper-api.alpaca.markets',
  live: 'https://api.alpaca.markets',
  data: 'https://data.alpaca.markets',
  paperStream: 'wss://paper-api.alpaca.markets/stream',
  liveStream: 'wss://api.alpaca.markets/stream',
  dataStream: 'wss://stream.data.alpaca.markets',
} as const;

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

// ---------- where the settings come from ----------

/** ALPACA_PAPER, when set, wins over the saved choice: the operator said so for this process. */
export function environmentFor(env: EnvLike, dataDir: string): { environment: AlpacaEnvironment; source: 'saved' | 'environment' } | { message: string } {
  if (set(env.ALPACA_PAPER)) {
    const v = env.ALPACA_PAPER.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return { environment: 'paper', source: 'environment' };
    if (['false', '0', 'no', 'off'].includes(v)) return { environment: 'live', source: 'environment' };
    return { message: 'ALPACA_PAPER must be true or false' };
  }
  return { environment: readConnectionSettings(dataDir).environment, source: 'saved' };
}

export type KeySource = 'environment' | 'saved';

/** Keys in the environment win; otherwise the saved keys of `environment`, never the other environment's. */
export function keysFor(
  environment: AlpacaEnvironment,
  env: EnvLike,
  secrets: SecretStore | null,
): { ok: true; keys: AlpacaKeys; source: KeySource } | { ok: true; keys: null; source: null } | { ok: false; message: string } {
  if (set(env.APCA_API_KEY_ID) || set(env.APCA_API_SECRET_KEY)) {
    if (!set(env.APCA_API_KEY_ID) || !set(env.APCA_API_SECRET_KEY)) {
      return { ok: false, message: 'set both APCA_API_KEY_ID and APCA_API_SECRET_KEY (the key ID and the secret from the Alpaca dashboard), or neither to use the saved keys' };
    }
    return { ok: true, keys: { keyId: env.APCA_API_KEY_ID.trim(), secret: env.APCA_API_SECRET_KEY.trim() }, source: 'environment' };
  }
  if (!secrets) return { ok: true, keys: null, source: null };
  try {
    const keys = secrets.load(environment);
    return keys ? { ok: true, keys, source: 'saved' } : { ok: true, keys: null, source: null };
  } catch (e) {
    if (e instanceof SecretStoreError) return { ok: false, message: e.message };
    throw e;
  }
}

export function parseSymbols(raw: string | undefined): { ok: true; symbols: string[] } | { ok: false; message: string } {
  if (!set(raw)) return { ok: true, symbols: DEFAULT_ALPACA_SYMBOLS };
  const symbols = [...new Set(raw.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== ''))];
  const bad = symbols.find((s) => !/^[A-Z0-9][A-Z0-9./]{0,14}$/.test(s));
  if (bad !== undefined) return { ok: false, message: `ALPACA_SYMBOLS: "${bad.slice(0, 20)}" is not a symbol (e.g. AAPL, BTC/USD)` };
  if (symbols.length === 0) return { ok: false, message: 'ALPACA_SYMBOLS names no symbol' };
  if (symbols.length > MAX_SYMBOLS) return { ok: false, message: `ALPACA_SYMBOLS names ${symbols.length} symbols; at most ${MAX_SYMBOLS} (Alpaca's request budget is shared by everything)` };
  return { ok: true, symbols };
}

function hostOf(url: string | null): string | null {
  if (url === null) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/**
 * Keys that cannot work with where they are sent, told before anything is sent. Alpaca's paper key
 * IDs start with PK and live ones with AK; a paper key on the live host would be refused there
 * (and on a lookalike proxy might not be, which is worse).
 */
export function keyEnvironmentProblem(config: Pick<AlpacaConfig, 'keyId' | 'paper' | 'apiBaseUrl'>): { outcome: ConnectionTestOutcome; message: string } | null {
  const host = hostOf(config.apiBaseUrl);
  const liveHost = hostOf(ALPACA_HOSTS.live);
  const paperHost = hostOf(ALPACA_HOSTS.paper);
  if (config.paper && host === liveHost) {
    return { outcome: 'paper_url_with_live_keys', message: `ALPACA_API_BASE_URL points at the live trading host (${ALPACA_HOSTS.live}) while the paper environment is selected; remove it or switch to live` };
  }
  if (!config.paper && host === paperHost) {
    return { outcome: 'live_url_with_paper_keys', message: `ALPACA_API_BASE_URL points at the paper trading host (${ALPACA_HOSTS.paper}) while the live environment is selected; remove it or switch to paper` };
  }
  const prefix = config.keyId.slice(0, 2).toUpperCase();
  if (!config.paper && prefix === 'PK') {
    return {
      outcome: 'live_url_with_paper_keys',
      message: `live URL with paper keys: the key ${maskKeyId(config.keyId)} is a paper key (paper key IDs start with PK) but the live environment is selected; enter your live keys (they start with AK) or switch back to paper`,
    };
  }
  if (config.paper && prefix === 'AK') {
    return {
      outcome: 'paper_url_with_live_keys',
      message: `paper URL with live keys: the key ${maskKeyId(config.keyId)} is a live key (live key IDs start with AK) but the paper environment is selected; save it under Live, or use your paper keys (they start with PK)`,
    };
  }
  return null;
}

export type ResolvedAlpaca =
  | { ok: true; config: AlpacaConfig; environment: AlpacaEnvironment; keySource: KeySource; symbols: string[] }
  | { ok: false; outcome: ConnectionTestOutcome; message: string };

/**
 * Everything the next start (or a connection test) would use. `override` tests an environment or
 * keys other than the configured ones without saving them.
 */
export function resolveAlpacaConfig(
  src: { env: EnvLike; dataDir: string; secrets: SecretStore | null },
  override: { environment?: AlpacaEnvironment; keys?: AlpacaKeys } = {},
): ResolvedAlpaca {
  const chosen = environmentFor(src.env, src.dataDir);
  if ('message' in chosen) return { ok: false, outcome: 'error', message: chosen.message };
  const environment = override.environment ?? chosen.environment;
  let keys: AlpacaKeys;
  let keySource: KeySource;
  if (override.keys) {
    keys = override.keys;
    keySource = 'saved';
  } else {
    const k = keysFor(environment, src.env, src.secrets);
    if (!k.ok) return { ok: false, outcome: 'error', message: k.message };
    if (k.keys === null) {
      return {
        ok: false,
        outcome: 'no_keys',
        message: `no Alpaca ${environment} keys: save them in Connection settings, or set APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment`,
      };
    }
    keys = k.keys;
    keySource = k.source;
  }
  const symbols = parseSymbols(src.env.ALPACA_SYMBOLS);
  if (!symbols.ok) return { ok: false, outcome: 'error', message: symbols.message };
  const alpacaEnv: AlpacaEnv = {
    APCA_API_KEY_ID: keys.keyId,
    APCA_API_SECRET_KEY: keys.secret,
    ALPACA_PAPER: environment === 'paper' ? 'true' : 'false',
    ALPACA_API_BASE_URL: src.env.ALPACA_API_BASE_URL,
    ALPACA_DATA_BASE_URL: src.env.ALPACA_DATA_BASE_URL,
    ALPACA_STREAM_URL: src.env.ALPACA_STREAM_URL,
    ALPACA_DATA_STREAM_URL: src.env.ALPACA_DATA_STREAM_URL,
    ALPACA_STOCK_FEED: src.env.ALPACA_STOCK_FEED,
    ALPACA_TIMEOUT_MS: src.env.ALPACA_TIMEOUT_MS,
    ALPACA_RATE_LIMIT_PER_MIN: src.env.ALPACA_RATE_LIMIT_PER_MIN,
  };
  const c = alpacaConfigFromEnv(alpacaEnv);
  if (!c.ok) return { ok: false, outcome: 'error', message: c.message };
  const problem = keyEnvironmentProblem(c.config);
  if (problem) return { ok: false, ...problem };
  return { ok: true, config: c.config, environment, keySource, symbols: symbols.symbols };
}

/** Where a start in `environment` connects (URLs only: what Connection settings shows). */
export function endpointsFor(environment: AlpacaEnvironment, env: EnvLike): BrokerConnectionSettings['endpoints'] {
  const api = set(env.ALPACA_API_BASE_URL) ? env.ALPACA_API_BASE_URL.trim() : environment === 'paper' ? ALPACA_HOSTS.paper : ALPACA_HOSTS.live;
  return {
    trading: api,
    marketData: set(env.ALPACA_DATA_BASE_URL) ? env.ALPACA_DATA_BASE_URL.trim() : ALPACA_HOSTS.data,
    tradeStream: set(env.ALPACA_STREAM_URL)
      ? env.ALPACA_STREAM_URL.trim()
      : set(env.ALPACA_API_BASE_URL)
        ? `${api.replace(/^http/, 'ws').replace(/\/+$/, '')}/stream`
        : environment === 'paper'
          ? ALPACA_HOSTS.paperStream
          : ALPACA_HOSTS.liveStream,
    dataStream: set(env.ALPACA_DATA_STREAM_URL) ? env.ALPACA_DATA_STREAM_URL.trim() : ALPACA_HOSTS.dataStream,
  };
}

// ---------- the connection test ----------

export const CONNECTION_TEST_TIMEOUT_MS = 8_000;

/** One call to Alpaca's account endpoint with these settings; every outcome is a sentence. */
export async function testAlpacaConnection(config: AlpacaConfig, deps: ClientDeps = {}): Promise<ConnectionTestResult> {
  const environment: AlpacaEnvironment = config.paper ? 'paper' : 'live';
  const started = performance.now();
  // a test answers quickly: no SDK retries, a short deadline
  const client = createAlpacaClient({ ...config, timeoutMs: Math.min(config.timeoutMs, CONNECTION_TEST_TIMEOUT_MS) }, { maxRetries: 0, ...deps });
  const endpoint = client.describeHosts();
  const result = (outcome: ConnectionTestOutcome, message: string, accountStatus: string | null = null): ConnectionTestResult => ({
    environment,
    ok: outcome === 'ok',
    outcome,
    message,
    accountStatus,
    endpoint,
    latencyMs: Math.round(performance.now() - started),
  });
  try {
    const problem = keyEnvironmentProblem(config);
    if (problem) return result(problem.outcome, problem.message);
    let raw: unknown;
    try {
      raw = await client.sdk.trading.account.getAccount();
    } catch (e) {
      const f = await describeFailure(e, 'reading the account', endpoint);
      if (f.status === 401 || f.status === 403) {
        return result('wrong_keys', `wrong keys: Alpaca refused them (HTTP ${f.status}). Check the key ID and the secret, and that ${environment} keys are used for ${environment} (paper key IDs start with PK, live ones with AK).`);
      }
      if (f.kind === 'network') return result('unreachable', `unreachable: ${f.message}`);
      return result('error', f.message);
    }
    const account = parseAccount(raw);
    if (!account.ok) return result('error', `Alpaca answered, but the account could not be read (${account.problem})`);
    const a = account.value;
    if (a.tradingBlocked || a.status !== 'ACTIVE') {
      return result('account_blocked', `connected, but the ${environment} account cannot trade (status ${a.status}${a.tradingBlocked ? ', trading blocked' : ''}); see the Alpaca dashboard`, a.status);
    }
    return result('ok', `connected to Alpaca ${environment}: account ${a.status}, equity $${a.equity.toFixed(2)}, buying power $${a.buyingPower.toFixed(2)}`, a.status);
  } finally {
    client.close();
  }
}

// ---------- the session the runtime trades through ----------

/**
 * The Alpaca adapter as the engine needs it; two adaptations, both on this side of the port:
 * - Events are delivered one per event-loop turn, in order. Alpaca often sends an order's `new`
 *   and its `fill` in one socket read, so the SDK emits both in the same turn; the engine journals
 *   status changes in a group commit at the end of a turn but applies a fill at once, so two events
 *   in one turn let the `new` (accepted) land in the journal after the fill and put a filled order
 *   back among the open ones. One event per turn lets each event's commit finish first.
 * - The engine places every order as a day order; Alpaca takes crypto orders only as gtc or ioc
 *   (crypto trades around the clock), so a crypto day order goes out as gtc.
 */
export class AlpacaForEngine implements Broker {
  private readonly listeners = new Set<(e: BrokerEvent) => void>();
  private readonly queue: BrokerEvent[] = [];
  private scheduled = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly inner: Broker,
    private readonly isCrypto: (symbol: string) => boolean,
  ) {
    this.unsubscribe = inner.onEvent((e) => {
      this.queue.push(e);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const e = this.queue.shift();
      if (e) for (const l of this.listeners) l(e);
      this.schedule();
    });
  }

  get status() {
    return this.inner.status;
  }
  submitOrder(req: BrokerOrderRequest) {
    return this.inner.submitOrder(req.tif === 'day' && this.isCrypto(req.symbol) ? { ...req, tif: 'gtc' } : req);
  }
  cancelOrder(clientOrderId: string) {
    return this.inner.cancelOrder(clientOrderId);
  }
  cancelAllOrders() {
    return this.inner.cancelAllOrders();
  }
  getOrderByClientId(clientOrderId: string) {
    return this.inner.getOrderByClientId(clientOrderId);
  }
  listOpenOrders() {
    return this.inner.listOpenOrders();
  }
  listRecentOrders(limit: number): Promise<BrokerResult<BrokerOrder[]>> {
    return this.inner.listRecentOrders ? this.inner.listRecentOrders(limit) : Promise.resolve({ ok: false, kind: 'server', message: 'this broker cannot list its recent orders' });
  }
  listPositions() {
    return this.inner.listPositions();
  }
  getAccount() {
    return this.inner.getAccount();
  }
  closeAllPositions() {
    return this.inner.closeAllPositions();
  }
  onEvent(listener: (e: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {
    this.unsubscribe();
    await this.inner.close();
  }
}

export interface AlpacaTuning {
  clientDeps?: ClientDeps;
  connectTimeoutMs?: number;
  stream?: StreamTuning;
  lookupDelayMs?: number;
  historyLimit?: number;
  timeframe?: Timeframe;
}

export interface AlpacaSession {
  client: AlpacaClient;
  /** the adapter itself (counters, connect) */
  alpaca: AlpacaBroker;
  /** what the engine is given: the adapter, or the test wrapper around it */
  broker: Broker;
  market: AlpacaMarketData;
  environment: AlpacaEnvironment;
  close(): Promise<void>;
}

export type SessionResult = { ok: true; session: AlpacaSession } | { ok: false; message: string };

/**
 * Connect before the engine starts: the account (keys and URL are right), the trade-updates
 * stream (no fill is missed between recovery and the first live event), then assets and history.
 * Any failure closes what was opened and comes back as a sentence.
 */
export async function openAlpacaSession(args: {
  config: AlpacaConfig;
  symbols: string[];
  cache: BarCache;
  clock: Clock;
  log: HostLog;
  tuning?: AlpacaTuning;
  wrapBroker?: (b: Broker) => Broker;
}): Promise<SessionResult> {
  const { config, symbols, cache, clock, log, tuning = {} } = args;
  const environment: AlpacaEnvironment = config.paper ? 'paper' : 'live';
  const client = createAlpacaClient(config, tuning.clientDeps);
  const alpaca = new AlpacaBroker(client, {
    log,
    connectTimeoutMs: tuning.connectTimeoutMs ?? 10_000,
    ...(tuning.lookupDelayMs !== undefined ? { lookupDelayMs: tuning.lookupDelayMs } : {}),
    ...(tuning.stream ? { stream: tuning.stream } : {}),
  });
  const market = new AlpacaMarketData(client, {
    symbols,
    timeframe: tuning.timeframe ?? '1Min',
    historyLimit: tuning.historyLimit ?? 500,
    clock,
    cache,
    log,
    ...(tuning.stream ? { stream: tuning.stream } : {}),
  });
  const close = async (): Promise<void> => {
    market.stop();
    await alpaca.close();
    client.close();
  };
  const fail = async (message: string): Promise<SessionResult> => {
    await close();
    return { ok: false, message };
  };
  const where = `Alpaca ${environment} at ${client.describeHosts()}`;
  const account = await alpaca.getAccount();
  if (!account.ok) return fail(`cannot connect to ${where}: ${account.message}`);
  const connected = await alpaca.connect();
  if (!connected.ok) return fail(`cannot open the trade-updates stream of ${where}: ${connected.message}`);
  const loaded = await market.load();
  if (!loaded.ok) return fail(`cannot load market data from ${where}: ${loaded.message}`);
  log('info', `connected to ${where} (key ${maskKeyId(config.keyId)}); ${market.instruments().length} instruments, history loaded`);
  const crypto = new Set(market.instruments().filter((i) => i.assetClass === 'crypto').map((i) => i.symbol));
  const forEngine = new AlpacaForEngine(alpaca, (symbol) => crypto.has(symbol));
  return { ok: true, session: { client, alpaca, broker: args.wrapBroker ? args.wrapBroker(forEngine) : forEngine, market, environment, close } };
}
