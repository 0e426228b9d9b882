// What the harness and its child say to each other. The child reads its configuration from the
// CRASH_CHILD environment variable (JSON) and writes one line per event on stdout; the parent
// answers on stdin (GO: trade until killed; STOP: shut down cleanly).
import type { AlpacaTuning } from '../../electron/alpaca-runtime';
import type { TradingStateRecord } from '../../engine/domain/types';
import type { BrokenMode, PointPlan } from './plan';

export interface ChildConfig {
  dataDir: string;
  broker: 'sim' | 'alpaca';
  simSeed: number;
  /** null: only recover, report and wait for STOP (the final check of a data directory) */
  plan: PointPlan | null;
  broken: BrokenMode | null;
}

/** The engine's view right after a restart, once recovery and reconciliation have settled. */
export interface Snapshot {
  tradingState: TradingStateRecord;
  mode: string;
  positions: Record<string, number>;
  openOrders: string[];
  cash: number;
  unresolved: string[];
}

/** Alpaca client tuning for the emulator: a compressed rate-limit window, short timeouts (as test/integration/alpaca-runtime/harness.ts). */
export const ALPACA_TUNING: AlpacaTuning = {
  clientDeps: { rateWindowMs: 2_000, retryDelayMs: 20 },
  connectTimeoutMs: 3_000,
  stream: { initialReconnectMs: 50, maxReconnectMs: 200 },
  lookupDelayMs: 50,
  historyLimit: 300,
};

export const LINE = {
  recovered: 'RECOVERED ',
  stateBegin: 'STATE_BEGIN ',
  stateDurable: 'STATE_DURABLE ',
  killing: 'KILLING ',
  stopped: 'STOPPED',
} as const;
