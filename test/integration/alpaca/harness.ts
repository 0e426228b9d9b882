// Shared set-up for the Alpaca tests: an emulator on loopback, the real SDK client pointed at it,
// a log that records what the adapters report, and a bounded wait (no bare sleeps in assertions).
import { createAlpacaClient, type AlpacaClient, type AlpacaLog, type ClientDeps } from '../../../engine/adapters/alpaca/client';
import { alpacaConfigFromEnv, type AlpacaEnv } from '../../../engine/adapters/alpaca/config';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/server';

/** A Monday during the NYSE session, so either market-hours mode is open. */
export const T0 = Date.parse('2024-03-04T15:00:00Z');

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  data: unknown;
}

export function recordingLog(): { log: AlpacaLog; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { lines, log: (level, message, data) => lines.push({ level, message, data }) };
}

export function envFor(emu: Emulator, extra: Partial<AlpacaEnv> = {}): AlpacaEnv {
  return {
    APCA_API_KEY_ID: emu.keys.keyId,
    APCA_API_SECRET_KEY: emu.keys.secret,
    ALPACA_PAPER: 'true',
    ALPACA_API_BASE_URL: emu.urls.api,
    ALPACA_DATA_BASE_URL: emu.urls.data,
    ALPACA_STREAM_URL: emu.urls.stream,
    ALPACA_DATA_STREAM_URL: emu.urls.dataStream,
    ALPACA_RATE_LIMIT_PER_MIN: String(TEST_BUDGET),
    ...extra,
  };
}

/**
 * Rate limits run on a compressed clock in tests: Alpaca's "200 per minute" becomes 200 per
 * RATE_WINDOW_MS on both sides (the emulator enforces it, the client's budget keeps under it).
 * Latency shifts arrivals against admissions: requests admitted in one window can land in the next.
 * In production the margin of 190 of 200 per 60 s covers seconds of delay; compressed 30 times,
 * the same delay weighs 30 times more, so tests give the client a wider margin (TEST_BUDGET).
 */
export const RATE_WINDOW_MS = 2_000;
export const TEST_BUDGET = 150;

export function clientFor(emu: Emulator, extra: Partial<AlpacaEnv> = {}, deps: ClientDeps = {}): AlpacaClient {
  const c = alpacaConfigFromEnv(envFor(emu, extra));
  if (!c.ok) throw new Error(c.message);
  return createAlpacaClient(c.config, { retryDelayMs: 20, rateWindowMs: RATE_WINDOW_MS, ...deps });
}

export async function emulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ seed: 7, startTime: T0, historyMinutes: 2 * 1440, rateLimit: { max: 200, windowMs: RATE_WINDOW_MS }, ...opts });
}

/** Poll `cond` every 10 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));
