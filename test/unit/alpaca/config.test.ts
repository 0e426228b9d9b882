// Settings parsing: every bad value becomes a sentence naming the variable, never a throw.
import { describe, expect, it } from 'vitest';
import { alpacaConfigFromEnv } from '../../../engine/adapters/alpaca/config';

const keys = { APCA_API_KEY_ID: 'PKTEST', APCA_API_SECRET_KEY: 'secret' };

describe('alpacaConfigFromEnv', () => {
  it('defaults to paper, the iex feed, a 10 s timeout and 190 requests per minute', () => {
    expect(alpacaConfigFromEnv(keys)).toEqual({
      ok: true,
      config: { keyId: 'PKTEST', secret: 'secret', paper: true, apiBaseUrl: null, dataBaseUrl: null, streamUrl: null, dataStreamUrl: null, stockFeed: 'iex', timeoutMs: 10_000, rateLimitPerMinute: 190 },
    });
  });

  it('reads live mode, URLs (trailing slash trimmed) and tuning', () => {
    const c = alpacaConfigFromEnv({
      ...keys,
      ALPACA_PAPER: 'false',
      ALPACA_API_BASE_URL: 'http://127.0.0.1:8700/',
      ALPACA_DATA_BASE_URL: 'https://proxy.example/data',
      ALPACA_STREAM_URL: 'ws://127.0.0.1:8700/stream',
      ALPACA_DATA_STREAM_URL: 'wss://proxy.example/ws',
      ALPACA_STOCK_FEED: 'sip',
      ALPACA_TIMEOUT_MS: '2500',
      ALPACA_RATE_LIMIT_PER_MIN: '100',
    });
    expect(c).toMatchObject({ ok: true, config: { paper: false, apiBaseUrl: 'http://127.0.0.1:8700', dataBaseUrl: 'https://proxy.example/data', stockFeed: 'sip', timeoutMs: 2500, rateLimitPerMinute: 100 } });
  });

  it.each([
    [{}, /needs both APCA_API_KEY_ID and APCA_API_SECRET_KEY/],
    [{ APCA_API_KEY_ID: 'x', APCA_API_SECRET_KEY: '  ' }, /needs both/],
    [{ ...keys, ALPACA_PAPER: 'maybe' }, /ALPACA_PAPER must be true or false \(got "maybe"\)/],
    [{ ...keys, ALPACA_API_BASE_URL: 'not a url' }, /ALPACA_API_BASE_URL is not a valid URL/],
    [{ ...keys, ALPACA_API_BASE_URL: 'ws://host' }, /ALPACA_API_BASE_URL must start with http:\/\/ or https:\/\//],
    [{ ...keys, ALPACA_STREAM_URL: 'https://host/stream' }, /ALPACA_STREAM_URL must start with ws:\/\/ or wss:\/\//],
    [{ ...keys, ALPACA_STOCK_FEED: 'otc' }, /ALPACA_STOCK_FEED must be iex or sip/],
    [{ ...keys, ALPACA_TIMEOUT_MS: '-5' }, /ALPACA_TIMEOUT_MS must be a positive whole number/],
    [{ ...keys, ALPACA_RATE_LIMIT_PER_MIN: '500' }, /from 1 to 200/],
  ])('refuses %j with a readable message', (env, message) => {
    const c = alpacaConfigFromEnv(env);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.message).toMatch(message);
  });
});
