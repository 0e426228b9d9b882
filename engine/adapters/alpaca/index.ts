// The Alpaca adapters: one client (SDK + shared request budget), the Broker and MarketData ports.
import { createAlpacaClient, type AlpacaClient, type ClientDeps } from './client';
import { alpacaConfigFromEnv, type AlpacaEnv } from './config';

export { createAlpacaClient, consoleLog } from './client';
export type { AlpacaClient, AlpacaLog, ClientDeps, StreamTuning } from './client';
export { alpacaConfigFromEnv, DEFAULT_RATE_LIMIT_PER_MIN, DEFAULT_TIMEOUT_MS } from './config';
export type { AlpacaConfig, AlpacaEnv, ConfigResult } from './config';
export { AlpacaBroker, wireAmount } from './broker';
export type { AlpacaBrokerOptions, AlpacaOrderRequest } from './broker';
export { AlpacaMarketData } from './marketData';
export type { AlpacaMarketDataOptions, BarCache, MarketDataStatus } from './marketData';
export { TokenBucket } from './rateLimiter';
export type { AlpacaBrokerOrder, MarketClock } from './wire';

/** Settings or an env-like object straight to a client; a bad setting comes back as a sentence. */
export function createAlpacaClientFromEnv(env: AlpacaEnv, deps?: ClientDeps): { ok: true; client: AlpacaClient } | { ok: false; message: string } {
  const c = alpacaConfigFromEnv(env);
  return c.ok ? { ok: true, client: createAlpacaClient(c.config, deps) } : c;
}
