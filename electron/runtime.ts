// The composition root both hosts share (Electron main and the headless host): open the store,
// build the broker and market data adapters, start the engine (which restores and reconciles
// before any strategy acts), then run the housekeeping timer and the simulator feed.
// One runtime per data directory: the directory's lock is taken before the store is opened and
// released after it is closed (electron/runtime-lock.ts).
import { mkdirSync } from 'node:fs';
import type { EngineEvent, Result } from '../engine/api/contract';
import { Engine } from '../engine/Engine';
import type { Bar } from '../engine/domain/types';
import { systemClock, type Clock } from '../engine/ports';
import { DEFAULT_SIM_SYMBOLS, syntheticSymbols } from '../engine/sim/instruments';
import { SimBroker } from '../engine/sim/SimBroker';
import { SimMarket } from '../engine/sim/SimMarket';
import { StoreOpenError } from '../db/errors';
import { SqliteSimLedger } from '../db/simLedger';
import { SqliteStore } from '../db/SqliteStore';
import { startControlServer, type ControlServer } from './control-server';
import { acquireRuntimeLock, DataDirLockedError, lockPathFor, type RuntimeHost, type RuntimeLock } from './runtime-lock';

export interface RuntimeOptions {
  dataDir: string;
  broker: 'sim' | 'alpaca';
  simSeed?: number;
  /** simulated bars per second per symbol */
  simSpeed?: number;
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
}

export async function startRuntime(opts: RuntimeOptions): Promise<SimRuntime> {
  if (opts.broker !== 'sim') {
    throw new RuntimeStartError(`broker "${opts.broker}" is not available in this build yet; start with --broker sim (the built-in simulator)`);
  }
  const log = opts.log ?? (() => undefined);
  const clock = opts.clock ?? systemClock;
  const seed = opts.simSeed ?? DEFAULT_SIM_SEED;
  const speed = opts.simSpeed ?? DEFAULT_SIM_SPEED;
  if (!Number.isInteger(seed) || seed < 0) throw new RuntimeStartError(`--sim-seed must be a whole number >= 0, got ${opts.simSeed}`);
  if (!(speed > 0 && speed <= 1000)) throw new RuntimeStartError(`--sim-speed must be between 0 and 1000 bars per second, got ${opts.simSpeed}`);
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
  try {
    return await startLocked(opts, lock, { log, clock, seed, speed });
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function startLocked(
  opts: RuntimeOptions,
  lock: RuntimeLock,
  { log, clock, seed, speed }: { log: NonNullable<RuntimeOptions['log']>; clock: Clock; seed: number; speed: number },
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
    engine = await Engine.start({ store, broker, market, clock, log, expectedBarIntervalMs: 1000 / speed });
  } catch (e) {
    await broker.close();
    ledger.close();
    store.close();
    throw e;
  }
  ledger.saveCursors(market.cursors());
  if (!saved) {
    // a fresh simulator: keep the generated history so a restart shows the same chart
    for (const i of market.instruments()) store.saveBars(i.symbol, market.timeframe, market.history(i.symbol, 2000));
  }
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
  log('info', `runtime started: data in ${opts.dataDir}, simulator seed ${seed}, ${speed} bars/s, ${symbols.length} symbols`);

  let control: ControlServer | null = null;
  if (opts.controlEndpoint) {
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

  let closed = false;
  return {
    dataDir: opts.dataDir,
    engine,
    market,
    broker,
    store,
    ledger,
    dispatch: (channel, payload) => engine.dispatch(channel, payload),
    subscribe: (listener) => engine.subscribe(listener),
    async shutdown() {
      if (closed) return;
      closed = true;
      await control?.close();
      clearInterval(housekeeping);
      market.stop();
      await engine.shutdown();
      ledger.saveCursors(market.cursors());
      await broker.close();
      ledger.close();
      store.close();
      // last: until the store is closed, no other process may open it
      lock.release();
      log('info', 'runtime stopped cleanly');
    },
  };
}
