// Test harness: a real engine over a real SQLite store and the real simulator in a temp dir,
// driven by a test clock and by stepping the simulated market by hand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineEvent } from '../../../engine/api/contract';
import { Engine } from '../../../engine/Engine';
import type { Broker, Clock, MarketData } from '../../../engine/ports';
import { DEFAULT_SIM_SYMBOLS } from '../../../engine/sim/instruments';
import { SimBroker } from '../../../engine/sim/SimBroker';
import { SimMarket } from '../../../engine/sim/SimMarket';
import type { KillSwitchOptions } from '../../../engine/killswitch/KillSwitch';
import { SqliteSimLedger } from '../../../db/simLedger';
import { SqliteStore } from '../../../db/SqliteStore';

export class TestClock implements Clock {
  constructor(public t = Date.UTC(2026, 0, 5, 15, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Harness {
  dir: string;
  clock: TestClock;
  store: SqliteStore;
  ledger: SqliteSimLedger;
  market: SimMarket;
  sim: SimBroker;
  broker: Broker;
  engine: Engine;
  events: EngineEvent[];
  /** close everything and reopen on the same directory (a clean restart) */
  restart(): Promise<Harness>;
  close(): Promise<void>;
  cleanup(): void;
}

export interface HarnessOptions {
  dir?: string;
  clock?: TestClock;
  wrapBroker?: (b: SimBroker) => Broker;
  /** what the engine reads market data from instead of the simulator itself (the broker keeps the simulator) */
  wrapMarket?: (m: SimMarket) => MarketData;
  killSwitch?: KillSwitchOptions;
  seed?: number;
}

export async function makeHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'engine-test-'));
  const clock = opts.clock ?? new TestClock();
  const store = SqliteStore.open(dir);
  const ledger = SqliteSimLedger.open(dir);
  const saved = ledger.load();
  const market = new SimMarket({ seed: opts.seed ?? 7, speed: 10, symbols: DEFAULT_SIM_SYMBOLS, clock, historyBars: 300, cursors: saved?.cursors });
  const sim = new SimBroker({ ledger, market, clock });
  const broker = opts.wrapBroker ? opts.wrapBroker(sim) : sim;
  const engine = await Engine.start({ store, broker, market: opts.wrapMarket ? opts.wrapMarket(market) : market, clock, killSwitch: opts.killSwitch ?? { backoffMs: 1, pollMs: 1, confirmTimeoutMs: 500 } });
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  liveEngines.add(engine);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    liveEngines.delete(engine);
    await engine.shutdown();
    await sim.close();
    ledger.close();
    store.close();
  };
  return {
    dir,
    clock,
    store,
    ledger,
    market,
    sim,
    broker,
    engine,
    events,
    close,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    async restart() {
      await close();
      return makeHarness({ ...opts, dir, clock });
    },
  };
}

/** The engines of harnesses not yet closed: settle() waits for their disk as well. */
const liveEngines = new Set<Engine>();
/** longest settle() waits for one round's fsyncs: far above a loaded CI machine's, still bounded */
const SETTLE_DISK_WAIT_MS = 5_000;

/**
 * Let queued broker events and simulated fills (timers of 0 ms) run, and the turns they cause
 * reach the disk: an engine publishes a turn's events only after its fsync, which takes well
 * over the 2 ms of a round when the machine is busy (CI runs test files side by side).
 */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 2));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([...liveEngines].map((e) => e.whenSettled())),
      new Promise((r) => (timer = setTimeout(r, SETTLE_DISK_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }
}

export function lastPrice(h: Harness, symbol: string): number {
  const p = h.market.lastPrice(symbol);
  if (p === null) throw new Error(`no price for ${symbol}`);
  return p;
}

/** Place `n` resting buy limits far below the market (they stay open until cancelled). */
export async function placeRestingOrders(h: Harness, n: number, symbol = 'AAPL'): Promise<string[]> {
  const ids: string[] = [];
  const px = Math.floor(lastPrice(h, symbol) * 0.5);
  for (let i = 0; i < n; i++) {
    h.clock.advance(301); // stay under the order-rate rule (10/s, 200/min)
    const r = await h.engine.dispatch('orders:submit', { symbol, side: 'buy', qty: 1, type: 'limit', limitPrice: px });
    if (!r.ok) throw new Error(`resting order ${i} refused: ${r.error.message}`);
    ids.push((r.value as { clientOrderId: string }).clientOrderId);
  }
  await settle();
  return ids;
}
