// Alpaca connection settings, from the settings store or an env-like plain object (the engine
// never reads process.env itself: the host passes `process.env` or the saved settings in).
export interface AlpacaConfig {
  keyId: string;
  secret: string;
  /** paper (default) or live trading host */
  paper: boolean;
  /** replaces https://paper-api.alpaca.markets / https://api.alpaca.markets (a local emulator, a proxy) */
  apiBaseUrl: string | null;
  /** replaces https://data.alpaca.markets */
  dataBaseUrl: string | null;
  /** trade-updates WebSocket URL (default derived from paper, or from apiBaseUrl + /stream) */
  streamUrl: string | null;
  /** market-data WebSocket base: stocks at {base}/v2/{feed}, crypto at {base}/v1beta3/crypto/us */
  dataStreamUrl: string | null;
  stockFeed: 'iex' | 'sip';
  /** per-attempt REST deadline */
  timeoutMs: number;
  /** shared request budget: at most `rateLimitPerMinute` requests in any sliding minute */
  rateLimitPerMinute: number;
}

/** The variables the factory understands; anything else in the object is ignored. */
export interface AlpacaEnv {
  APCA_API_KEY_ID?: string;
  APCA_API_SECRET_KEY?: string;
  ALPACA_PAPER?: string;
  ALPACA_API_BASE_URL?: string;
  ALPACA_DATA_BASE_URL?: string;
  ALPACA_STREAM_URL?: string;
  ALPACA_DATA_STREAM_URL?: string;
  ALPACA_STOCK_FEED?: string;
  ALPACA_TIMEOUT_MS?: string;
  ALPACA_RATE_LIMIT_PER_MIN?: string;
}

export type ConfigResult = { ok: true; config: AlpacaConfig } | { ok: false; message: string };

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Alpaca allows 200 requests/min per account; we keep a margin for clock skew between the two buckets */
export const DEFAULT_RATE_LIMIT_PER_MIN = 190;

function urlOrError(value: string | undefined, name: string, schemes: string[]): { ok: true; url: string | null } | { ok: false; message: string } {
  const v = value?.trim();
  if (!v) return { ok: true, url: null };
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return { ok: false, message: `${name} is not a valid URL: "${v}"` };
  }
  if (!schemes.includes(u.protocol)) return { ok: false, message: `${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')} (got "${v}")` };
  return { ok: true, url: v.replace(/\/+$/, '') };
}

function parseBool(value: string | undefined, fallback: boolean): boolean | null {
  const v = value?.trim().toLowerCase();
  if (!v) return fallback;
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return null;
}

function positiveInt(value: string | undefined, fallback: number): number | null {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** Validate an env-like object; every problem comes back as a sentence a user can act on. */
export function alpacaConfigFromEnv(env: AlpacaEnv): ConfigResult {
  const keyId = env.APCA_API_KEY_ID?.trim() ?? '';
  const secret = env.APCA_API_SECRET_KEY?.trim() ?? '';
  if (!keyId || !secret) return { ok: false, message: 'Alpaca needs both APCA_API_KEY_ID and APCA_API_SECRET_KEY (the key ID and secret from the Alpaca dashboard)' };
  const paper = parseBool(env.ALPACA_PAPER, true);
  if (paper === null) return { ok: false, message: `ALPACA_PAPER must be true or false (got "${env.ALPACA_PAPER}")` };
  const api = urlOrError(env.ALPACA_API_BASE_URL, 'ALPACA_API_BASE_URL', ['http:', 'https:']);
  if (!api.ok) return api;
  const data = urlOrError(env.ALPACA_DATA_BASE_URL, 'ALPACA_DATA_BASE_URL', ['http:', 'https:']);
  if (!data.ok) return data;
  const stream = urlOrError(env.ALPACA_STREAM_URL, 'ALPACA_STREAM_URL', ['ws:', 'wss:']);
  if (!stream.ok) return stream;
  const dataStream = urlOrError(env.ALPACA_DATA_STREAM_URL, 'ALPACA_DATA_STREAM_URL', ['ws:', 'wss:']);
  if (!dataStream.ok) return dataStream;
  const feed = env.ALPACA_STOCK_FEED?.trim() || 'iex';
  if (feed !== 'iex' && feed !== 'sip') return { ok: false, message: `ALPACA_STOCK_FEED must be iex or sip (got "${feed}")` };
  const timeoutMs = positiveInt(env.ALPACA_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
  if (timeoutMs === null) return { ok: false, message: `ALPACA_TIMEOUT_MS must be a positive whole number of milliseconds (got "${env.ALPACA_TIMEOUT_MS}")` };
  const rate = positiveInt(env.ALPACA_RATE_LIMIT_PER_MIN, DEFAULT_RATE_LIMIT_PER_MIN);
  if (rate === null || rate > 200) return { ok: false, message: `ALPACA_RATE_LIMIT_PER_MIN must be a whole number from 1 to 200 (got "${env.ALPACA_RATE_LIMIT_PER_MIN}")` };
  return {
    ok: true,
    config: {
      keyId,
      secret,
      paper,
      apiBaseUrl: api.url,
      dataBaseUrl: data.url,
      streamUrl: stream.url,
      dataStreamUrl: dataStream.url,
      stockFeed: feed,
      timeoutMs,
      rateLimitPerMinute: rate,
    },
  };
}

