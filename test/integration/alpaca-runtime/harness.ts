// Shared set-up for the runtime-on-Alpaca tests: an emulator on loopback whose clock is the real
// one (so history requests made from Date.now() find its bars), the environment a user would
// set to point the app at it, and client tuning for a compressed rate-limit window.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlpacaTuning, EnvLike } from '../../../electron/alpaca-runtime';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/server';

/** Alpaca's 200/min runs on a 2 s window here, on both sides (as in test/integration/alpaca). */
export const RATE_WINDOW_MS = 2_000;

export async function emulatorNow(opts: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ seed: 5, startTime: Date.now(), historyMinutes: 600, rateLimit: { max: 200, windowMs: RATE_WINDOW_MS }, tickIntervalMs: null, ...opts });
}

/** The environment that points the app at the emulator, with the emulator's (paper) keys. */
export function emulatorEnv(emu: Emulator, extra: Record<string, string> = {}): EnvLike {
  return {
    APCA_API_KEY_ID: emu.keys.keyId,
    APCA_API_SECRET_KEY: emu.keys.secret,
    ALPACA_PAPER: 'true',
    ALPACA_API_BASE_URL: emu.urls.api,
    ALPACA_DATA_BASE_URL: emu.urls.data,
    ALPACA_STREAM_URL: emu.urls.stream,
    ALPACA_DATA_STREAM_URL: emu.urls.dataStream,
    ALPACA_RATE_LIMIT_PER_MIN: '150',
    ALPACA_TIMEOUT_MS: '3000',
    ALPACA_SYMBOLS: 'AAPL,MSFT,BTC/USD',
    ...extra,
  };
}

/**
 * The URLs only: keys come from the secret store and paper/live from the saved setting in the
 * tests that use this (ALPACA_PAPER in the environment would override the saved choice).
 */
export function emulatorUrls(emu: Emulator): Record<string, string> {
  const { APCA_API_KEY_ID: _id, APCA_API_SECRET_KEY: _secret, ALPACA_PAPER: _paper, ...rest } = emulatorEnv(emu) as Record<string, string>;
  return rest;
}

export const TUNING: AlpacaTuning = {
  clientDeps: { rateWindowMs: RATE_WINDOW_MS, retryDelayMs: 20 },
  connectTimeoutMs: 3_000,
  stream: { initialReconnectMs: 50, maxReconnectMs: 200 },
  lookupDelayMs: 50,
  historyLimit: 300,
};

const dirs: string[] = [];
export function tempDir(prefix = 'alpaca-rt-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Poll `cond` every 10 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 8_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Orders at the emulator per client_order_id: the exactly-once check. */
export function ordersPerClientId(emu: Emulator): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of emu.exchange.listOrders()) m.set(o.clientOrderId, (m.get(o.clientOrderId) ?? 0) + 1);
  return m;
}

export function emulatorPositions(emu: Emulator): Record<string, number> {
  return Object.fromEntries([...emu.exchange.positions.values()].map((p) => [p.symbol, p.qty]));
}
