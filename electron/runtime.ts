// The composition root both hosts share (Electron main and the headless host): open the store,
// build the broker and market data adapters, start the engine (which restores and reconciles
// before any strategy acts), then run the housekeeping timer and the simulator feed (or, with
// --broker alpaca, Alpaca's live bars: electron/alpaca-runtime.ts).
// One runtime per data directory: the directory's lock is taken before the store is opened and
// released after it is closed (electron/runtime-lock.ts).
import { mkdirSync } from 'node:fs';
import { isBrokerChannel, isLabChannel, type AppMetrics, type EngineEvent, type Result } from '../engine/api/contract';
import { DEFAULT_RISK } from '../engine/defaults';
import { Engine } from '../engine/Engine';
import type { AlpacaBroker, AlpacaMarketData } from '../engine/adapters/alpaca';
import type { Bar } from '../engine/domain/types';
import { TIMEFRAME_MS } from '../engine/domain/types';
import type { KillSwitchOptions } from '../engine/killswitch/KillSwitch';
import { systemClock, type Broker, type Clock, type MarketData } from '../engine/ports';
import { DEFAULT_SIM_SYMBOLS, syntheticSymbols } from '../engine/sim/instruments';
import { SimBroker } from '../engine/sim/SimBroker';
import { SimMarket } from '../engine/sim/SimMarket';
import { StoreOpenError, StoreWriteError, storeWriteFailureOf } from '../db/errors';
import { SqliteSimLedger } from '../db/simLedger';
import { SqliteStore } from '../db/SqliteStore';
import { WalCheckpointer } from '../db/checkpointer';
import { openAlpacaSession, resolveAlpacaConfig, type AlpacaTuning, type EnvLike } from './alpaca-runtime';
import { startControlServer, type ControlServer } from './control-server';
import { startHostMetrics } from './host-metrics';
import { LabService } from './lab/LabService';
import { acquireRuntimeLock, DataDirLockedError, lockPathFor, type RuntimeHost, type RuntimeLock } from './runtime-lock';
import { BrokerSettingsService } from './secrets/brokerSettings';
import { recordBrokerInUse } from './secrets/connectionSettings';
import { FileSecretStore } from './secrets/fileSecretStore';
import { Redactor, redactingLog } from './secrets/redact';
import { SafeStorageSecretStore } from './secrets/safeStorageSecretStore';
import type { SecretStore } from './secrets/types';

export interface RuntimeOptions {
  dataDir: string;
  broker: 'sim' | 'alpaca';
  simSeed?: number;
  /** simulated bars per second per symbol, or 'max': as fast as the engine takes them (soak tests) */
  simSpeed?: number | 'max';
  /** extra synthetic symbols for load tests */
  simExtraSymbols?: number;
  /** path to a better-sqlite3 .node built for Electron's ABI (Electron host only) */
  nativeBinding?: string;
  log?: (level: 'info' | 'warn' | 'error', message: string, data?: unknown) => void;
  clock?: Clock;
  /** housekeeping period (approval expiry, equity curve, bar history); default 250 ms */
  housekeepingMs?: number;
  /** who runs the engine, as recorded in the data directory's lock; default 'headless' (a plain Node process) */
  host?: RuntimeHost;
  /**
   * Start the loopback control endpoint (POST /control/stop) and record its port and token in the
   * lock, so `cli stop` can reach this process. Hosts turn it on; tests and one-shot commands do not.
   */
  controlEndpoint?: boolean;
  /** Alpaca settings (APCA_*, ALPACA_*); default process.env. Read here, in electron/, never in engine/. */
  env?: EnvLike;
  /**
   * Where saved Alpaca keys live: the app passes Electron's safeStorage store; default a private
   * keys file (ALPACA_KEYS_FILE, or alpaca-keys.json in the data directory). Built on first use.
   */
  secrets?: () => SecretStore;
  /** Alpaca client tuning (tests shorten timeouts and the rate-limit window) */
  alpaca?: AlpacaTuning;
  /** test seam: what the engine is given instead of the Alpaca adapter itself (crash hooks) */
  wrapBroker?: (b: Broker) => Broker;
  killSwitch?: KillSwitchOptions;
}

export interface Runtime {
  readonly dataDir: string;
  /** validates channel + payload with the contract's schemas; never throws */
  dispatch(channel: unknown, payload: unknown): Promise<Result<unknown>>;
  subscribe(listener: (e: EngineEvent) => void): () => void;
  shutdown(): Promise<void>;
}

/** The runtime could not start: the message says what is wrong and what to do. */
export class RuntimeStartError extends Error {
  override name = 'RuntimeStartError';
}

export const DEFAULT_SIM_SEED = 42;
export const DEFAULT_SIM_SPEED = 2;
const CURSOR_SAVE_MS = 2000;

/** The runtime plus handles that tests and benchmarks use. */
export interface SimRuntime extends Runtime {
  readonly engine: Engine;
  readonly market: SimMarket;
  readonly broker: SimBroker;
  readonly store: SqliteStore;
  readonly ledger: SqliteSimLedger;
  /** the strategy lab: serves the `lab:*` channels, its runs on worker threads */
  readonly lab: LabService;
}

/** The runtime on Alpaca, plus handles that tests and benchmarks use. */
export interface AlpacaRuntime extends Runtime {
  readonly engine: Engine;
  /** what the engine trades through (the adapter, or a test's wrapper around it) */
  readonly broker: Broker;
  readonly alpaca: AlpacaBroker;
  readonly market: AlpacaMarketData;
  readonly store: SqliteStore;
  readonly lab: LabService;
  readonly brokerSettings: BrokerSettingsService;
}

type Logger = NonNullable<RuntimeOptions['log']>;

/** The `broker:*` channels are the host's (keys never pass through the engine): route them first. */
function serveBrokerChannels<R extends Runtime>(rt: R, settings: BrokerSettingsService): R {
  const inner = rt.dispatch;
  return Object.assign(rt, {
    dispatch: (channel: unknown, payload: unknown) => (isBrokerChannel(channel) ? settings.dispatch(channel, payload) : inner(channel, payload)),
  });
}

interface Services {
  lab: LabService;
  dispatch: Runtime['dispatch'];
  subscribe: Runtime['subscribe'];
  /** the control endpoint first, then the lab (its workers stop before the store they save into closes) */
  close(): Promise<void>;
}

/**
 * What every runtime adds around its engine, whatever the broker: the loopback control endpoint
 * that `cli stop` reaches, and the strategy lab, whose requests it serves and whose results feed
 * the engine's readiness checklist.
 */
async function startServices(args: { engine: Engine; store: SqliteStore; market: MarketData; clock: Clock; log: Logger; lock: RuntimeLock; controlEndpoint: boolean }): Promise<Services> {
  const { engine, store, market, clock, log, lock } = args;
  let control: ControlServer | null = null;
  if (args.controlEndpoint) {
    try {
      control = await startControlServer({ engine, log });
      lock.recordControl({ controlPort: control.port, controlToken: control.token });
      log('info', `control endpoint on 127.0.0.1:${control.port} (for \`npm run cli -- stop\`)`);
    } catch (e) {
      // the window, tray and shortcut still stop everything; only the CLI cannot reach this process
      await control?.close();
      control = null;
      log('error', `no control endpoint, so \`cli stop\` cannot reach this process: ${(e as Error).message}`);
    }
  }
  const lab = new LabService({
    store,
    cachedSymbols: () => market.instruments().map((i) => ({ symbol: i.symbol, timeframe: market.timeframe, qtyStep: i.qtyIncrement, instrument: i })),
    riskSettings: () => store.restore().settings?.risk ?? DEFAULT_RISK,
    clock,
    log,
  });
  // the readiness checklist rests on the latest lab results: re-read them when they change
  lab.subscribe((e) => {
    if (e.name === 'lab:results_changed') engine.refreshEvidence();
  });
  // app:metrics: the engine's queue lengths, completed with this process's figures
  const metrics = startHostMetrics(market, () => clock.now());
  const dispatchEngine = async (channel: unknown, payload: unknown): Promise<Result<unknown>> => {
    const r = await engine.dispatch(channel, payload);
    // the engine has validated the payload (strict schema): markDelay is true or absent
    return channel === 'app:metrics' && r.ok ? { ok: true, value: metrics.complete(r.value as AppMetrics, payload as { markDelay?: boolean }) } : r;
  };
  return {
    lab,
    dispatch: (channel, payload) => (isLabChannel(channel) ? lab.dispatch(channel, payload) : dispatchEngine(channel, payload)),
    subscribe: (listener) => {
      const fromEngine = engine.subscribe(listener);
      const fromLab = lab.subscribe(listener);
      return () => {
        fromEngine();
        fromLab();
      };
    },
    async close() {
      metrics.stop();
      await control?.close();
      await lab.shutdown();
    },
  };
}

export function startRuntime(opts: RuntimeOptions & { broker: 'sim' }): Promise<SimRuntime>;
export function startRuntime(opts: RuntimeOptions & { broker: 'alpaca' }): Promise<AlpacaRuntime>;
export function startRuntime(opts: RuntimeOptions): Promise<SimRuntime | AlpacaRuntime>;
export async function startRuntime(opts: RuntimeOptions): Promise<SimRuntime | AlpacaRuntime> {
  // every log line passes the redactor, which learns each key as it is read or saved
  const redactor = new Redactor();
  const log = redactingLog(opts.log ?? (() => undefined), redactor);
  const env = opts.env ?? process.env;
  const secrets = opts.secrets ?? (() => (env.ALPACA_KEYS_FILE?.trim() ? new FileSecretStore(env.ALPACA_KEYS_FILE.trim()) : FileSecretStore.inDataDir(opts.dataDir)));
  const clock = opts.clock ?? systemClock;
  const seed = opts.simSeed ?? DEFAULT_SIM_SEED;
  const speed = opts.simSpeed ?? DEFAULT_SIM_SPEED;
  if (!Number.isInteger(seed) || seed < 0) throw new RuntimeStartError(`--sim-seed must be a whole number >= 0, got ${opts.simSeed}`);
  if (speed !== 'max' && !(speed > 0 && speed <= 1000)) throw new RuntimeStartError(`--sim-speed must be between 0 and 1000 bars per second, got ${opts.simSpeed}`);
  try {
    mkdirSync(opts.dataDir, { recursive: true });
  } catch (e) {
    throw new RuntimeStartError(`cannot create the data directory ${opts.dataDir}: ${(e as Error).message}. Choose another with --data-dir.`);
  }

  let lock: RuntimeLock;
  try {
    lock = acquireRuntimeLock(opts.dataDir, opts.host ?? 'headless', log);
  } catch (e) {
    if (e instanceof DataDirLockedError) throw new RuntimeStartError(e.message, { cause: e });
    throw new RuntimeStartError(
      `cannot take the lock ${lockPathFor(opts.dataDir)}: ${(e as Error).message}. The data directory must be writable by this user.`,
      { cause: e },
    );
  }
  let active: { broker: 'sim' | 'alpaca'; environment: 'simulated' | 'paper' | 'live' } = { broker: opts.broker, environment: opts.broker === 'sim' ? 'simulated' : 'paper' };
  const brokerSettings = new BrokerSettingsService({ dataDir: opts.dataDir, env, secrets, active: () => active, redactor, log });
  try {
    const rt =
      opts.broker === 'alpaca'
        ? await startAlpacaLocked(opts, lock, { log, clock, env, secrets, redactor, brokerSettings })
        : await startLocked(opts, lock, { log, clock, seed, speed });
    active = { broker: opts.broker, environment: rt.engine.snapshot().broker.environment };
    // so that `cli stop` with no app running stops at the broker this directory trades with
    try {
      recordBrokerInUse(opts.dataDir, { broker: opts.broker, environment: active.environment, startedAt: clock.now() });
    } catch (e) {
      log('warn', `could not record the broker in use in ${opts.dataDir}: ${(e as Error).message}`);
    }
    return serveBrokerChannels(rt, brokerSettings);
  } catch (e) {
    lock.release();
    throw storageStartError(e, opts.dataDir) ?? e;
  }
}

/**
 * A start that failed because the disk refused a write (full, read-only, I/O error: opening,
 * upgrading or the engine's first writes), as a message that says so and what to do, instead of
 * SQLite's bare "database or disk is full". Nothing was traded: the engine had not started.
 */
function storageStartError(e: unknown, dataDir: string): RuntimeStartError | null {
  const code = (e as { code?: unknown } | null)?.code;
  const failure = storeWriteFailureOf(code);
  if (failure === null) return null;
  const what = failure === 'disk_full' ? 'the disk is full' : failure === 'read_only' ? 'the data directory or a file in it is read-only' : 'the disk reported an I/O error';
  const todo = failure === 'disk_full' ? 'Free space on that disk' : failure === 'read_only' ? 'Make the data directory and its files writable' : 'Check the disk and the free space on it';
  // the store's StoreWriteError already names the file and the problem
  const problem = e instanceof StoreWriteError ? e.message : `could not write in the data directory ${dataDir}: ${what} (${String(code)}: ${(e as Error).message})`;
  return new RuntimeStartError(`${problem}. Nothing was traded. ${todo}, then start again.`, { cause: e });
}

async function startLocked(
  opts: RuntimeOptions,
  lock: RuntimeLock,
  { log, clock, seed, speed }: { log: NonNullable<RuntimeOptions['log']>; clock: Clock; seed: number; speed: number | 'max' },
): Promise<SimRuntime> {
  let store: SqliteStore;
  let ledger: SqliteSimLedger;
  try {
    store = SqliteStore.open(opts.dataDir, { nativeBinding: opts.nativeBinding });
  } catch (e) {
    if (e instanceof StoreOpenError) throw new RuntimeStartError(e.message);
    throw e;
  }
  try {
    ledger = SqliteSimLedger.open(opts.dataDir, { nativeBinding: opts.nativeBinding });
  } catch (e) {
    store.close();
    if (e instanceof StoreOpenError) throw new RuntimeStartError(e.message);
    throw e;
  }

  // checkpoints off the engine thread (db/checkpointer.ts); without the thread, SQLite's own remain
  let checkpointer: WalCheckpointer | null = null;
  try {
    checkpointer = WalCheckpointer.start([store.file, ledger.file], { nativeBinding: opts.nativeBinding, log });
    store.disableAutoCheckpoint();
    ledger.disableAutoCheckpoint();
  } catch (e) {
    log('warn', `background WAL checkpoints unavailable (${(e as Error).message}); SQLite checkpoints inline`);
  }

  const symbols = [...DEFAULT_SIM_SYMBOLS, ...syntheticSymbols(opts.simExtraSymbols ?? 0)];
  const saved = ledger.load();
  const restoredHistory = new Map<string, Bar[]>();
  if (saved) {
    for (const c of saved.cursors) restoredHistory.set(c.symbol, store.loadRecentBars(c.symbol, '1Min', 1000));
  }
  const market = new SimMarket({ seed, speed, symbols, clock, cursors: saved?.cursors, restoredHistory });
  const broker = new SimBroker({ ledger, market, clock });
  let engine: Engine;
  try {
    // at 'max' bars arrive every event-loop turn: 1 ms, and the freshness checks' wall-clock floors apply
    engine = await Engine.start({ store, broker, market, clock, log, expectedBarIntervalMs: speed === 'max' ? 1 : 1000 / speed });
  } catch (e) {
    await broker.close();
    await checkpointer?.stop();
    ledger.close();
    store.close();
    throw e;
  }
  ledger.saveCursors(market.cursors());
  if (!saved) {
    // a fresh simulator: keep the generated history so a restart shows the same chart
    for (const i of market.instruments()) store.saveBars(i.symbol, market.timeframe, market.history(i.symbol, 2000));
  }
  // at full speed the engine sets the pace: the simulator waits while bars or writes are backlogged
  if (speed === 'max') market.setBackpressure(() => engine.backlogged());
  market.start();
  let lastCursorSave = clock.now();
  const housekeeping = setInterval(() => {
    engine.tick();
    if (clock.now() - lastCursorSave >= CURSOR_SAVE_MS) {
      lastCursorSave = clock.now();
      try {
        ledger.saveCursors(market.cursors());
      } catch (e) {
        log('error', 'could not save the simulator position', e);
      }
    }
  }, opts.housekeepingMs ?? 250);
  log('info', `runtime started: data in ${opts.dataDir}, simulator seed ${seed}, ${speed === 'max' ? 'full speed' : `${speed} bars/s`}, ${symbols.length} symbols`);

  const services = await startServices({ engine, store, market, clock, log, lock, controlEndpoint: opts.controlEndpoint === true });

  let closed = false;
  return {
    dataDir: opts.dataDir,
    engine,
    market,
    broker,
    store,
    ledger,
    lab: services.lab,
    dispatch: services.dispatch,
    subscribe: services.subscribe,
    async shutdown() {
      if (closed) return;
      closed = true;
      // the lab's workers stop before the store they save into closes
      await services.close();
      clearInterval(housekeeping);
      market.stop();
      await engine.shutdown();
      ledger.saveCursors(market.cursors());
      await broker.close();
      await checkpointer?.stop();
      ledger.close();
      store.close();
      // last: until the store is closed, no other process may open it
      lock.release();
      log('info', 'runtime stopped cleanly');
    },
  };
}

// ---------- Alpaca ----------

/**
 * The runtime on Alpaca: settings resolved (keys from the environment or the secret store; refused
 * before anything is sent when they cannot work), the store opened, then the session connected
 * (account, trade-updates stream, assets and history cached in the store) so that Engine.start
 * recovers and reconciles against a live link before any strategy acts; live bars start last.
 */
async function startAlpacaLocked(
  opts: RuntimeOptions,
  lock: RuntimeLock,
  deps: { log: Logger; clock: Clock; env: EnvLike; secrets: () => SecretStore; redactor: Redactor; brokerSettings: BrokerSettingsService },
): Promise<AlpacaRuntime> {
  const { log, clock, redactor, brokerSettings } = deps;
  let secretStore: SecretStore;
  try {
    secretStore = deps.secrets();
  } catch (e) {
    throw new RuntimeStartError(`Alpaca: the saved keys cannot be opened: ${(e as Error).message}`);
  }
  const resolved = resolveAlpacaConfig({ env: deps.env, dataDir: opts.dataDir, secrets: secretStore });
  if (!resolved.ok) throw new RuntimeStartError(`cannot start with --broker alpaca: ${resolved.message}`);
  const { config, symbols } = resolved;
  redactor.addKeys({ keyId: config.keyId, secret: config.secret });

  let store: SqliteStore;
  try {
    store = SqliteStore.open(opts.dataDir, { nativeBinding: opts.nativeBinding });
  } catch (e) {
    if (e instanceof StoreOpenError) throw new RuntimeStartError(e.message);
    throw e;
  }
  let checkpointer: WalCheckpointer | null = null;
  try {
    checkpointer = WalCheckpointer.start([store.file], { nativeBinding: opts.nativeBinding, log });
    store.disableAutoCheckpoint();
  } catch (e) {
    log('warn', `background WAL checkpoints unavailable (${(e as Error).message}); SQLite checkpoints inline`);
  }
  const closeStore = async (): Promise<void> => {
    await checkpointer?.stop();
    store.close();
  };

  const opened = await openAlpacaSession({
    config,
    symbols,
    cache: store,
    clock,
    log,
    ...(opts.alpaca ? { tuning: opts.alpaca } : {}),
    ...(opts.wrapBroker ? { wrapBroker: opts.wrapBroker } : {}),
  });
  if (!opened.ok) {
    await closeStore();
    throw new RuntimeStartError(opened.message);
  }
  const session = opened.session;
  const { market } = session;
  const stopMarketLog = market.onStatus((s) => log(s.connected ? 'info' : 'warn', `Alpaca market data: ${s.message}`));

  let engine: Engine;
  try {
    engine = await Engine.start({
      store,
      broker: session.broker,
      market,
      clock,
      log,
      // Alpaca sends one bar per bar length of real time; the stale-data checks measure against that
      expectedBarIntervalMs: TIMEFRAME_MS[market.timeframe],
      // keys only in the environment are not stored at all; saved ones are encrypted by the OS
      // keychain in the desktop app, or sit in a 0600 file for the headless host
      keyStorage:
        resolved.keySource === 'environment'
          ? { encrypted: true, detail: 'keys come from the environment (APCA_API_KEY_ID, APCA_API_SECRET_KEY): nothing is stored on disk' }
          : { encrypted: secretStore instanceof SafeStorageSecretStore, detail: `keys ${secretStore.description}` },
      ...(opts.killSwitch ? { killSwitch: opts.killSwitch } : {}),
    });
  } catch (e) {
    stopMarketLog();
    await session.close();
    await closeStore();
    throw e;
  }
  market.start();
  const housekeeping = setInterval(() => engine.tick(), opts.housekeepingMs ?? 250);
  log(
    session.environment === 'live' ? 'warn' : 'info',
    `runtime started: data in ${opts.dataDir}, Alpaca ${session.environment === 'live' ? 'LIVE (real money)' : 'paper'}, ${market.instruments().length} symbols (${symbols.join(', ')})`,
  );

  const services = await startServices({ engine, store, market, clock, log, lock, controlEndpoint: opts.controlEndpoint === true });

  let closed = false;
  return {
    dataDir: opts.dataDir,
    engine,
    broker: session.broker,
    alpaca: session.alpaca,
    market,
    store,
    lab: services.lab,
    brokerSettings,
    dispatch: services.dispatch,
    subscribe: services.subscribe,
    async shutdown() {
      if (closed) return;
      closed = true;
      await services.close();
      clearInterval(housekeeping);
      stopMarketLog();
      market.stop();
      await engine.shutdown();
      await session.close();
      await closeStore();
      lock.release();
      log('info', 'runtime stopped cleanly');
    },
  };
}
