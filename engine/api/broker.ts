// The broker connection's part of the contract (issue 4): reading the connection settings, saving
// or clearing Alpaca keys, testing a connection, switching paper/live. The host serves these
// channels (electron/secrets), not the engine: keys belong to the host, which keeps them out of the
// engine, the store and the renderer. contract.ts merges them in.
//
// Secrets travel in one direction only: the renderer may send a key in `broker:save_keys` or
// `broker:test_connection`; nothing the host answers ever carries one (a key ID comes back masked).
// Changes apply at the next start of the engine; every answer says so.
import { z } from 'zod';
import type { BrokerEnvironment, BrokerKind } from '../domain/types';

export type AlpacaEnvironment = 'paper' | 'live';
export const ALPACA_ENVIRONMENTS: readonly AlpacaEnvironment[] = ['paper', 'live'];

/** What a user must type to switch to live trading: a click alone never moves real money. */
export const LIVE_CONFIRMATION = 'I understand this trades real money';

const environment = z.enum(['paper', 'live'], { error: 'environment must be "paper" or "live"' });

// Messages never repeat the value: a mistyped secret must not come back in an error text.
const keyId = z
  .string({ error: 'the key ID must be text' })
  .trim()
  .min(8, 'the key ID is at least 8 characters: copy it from the Alpaca dashboard (API keys)')
  .max(64, 'the key ID is at most 64 characters: copy it from the Alpaca dashboard (API keys)')
  .regex(/^[A-Za-z0-9]+$/, 'the key ID is letters and digits only: copy it from the Alpaca dashboard (API keys)');
const secret = z
  .string({ error: 'the secret key must be text' })
  .trim()
  .min(16, 'the secret key is at least 16 characters: Alpaca shows it once, when the key is created')
  .max(128, 'the secret key is at most 128 characters')
  .regex(/^[\x21-\x7e]+$/, 'the secret key has no spaces or special characters: paste it again');

export const brokerRequestSchemas = {
  /** the connection settings, without secrets: which environment, whether keys are set, masked key ids */
  'broker:get_settings': z.strictObject({}),
  /** save the keys of one environment (encrypted in the app, a user-only file headless) */
  'broker:save_keys': z.strictObject({ environment, keyId, secret }),
  /** forget the saved keys of one environment */
  'broker:clear_keys': z.strictObject({ environment }),
  /** call Alpaca's account endpoint with the saved keys of `environment`, or with the keys given */
  'broker:test_connection': z
    .strictObject({ environment, keyId: keyId.optional(), secret: secret.optional() })
    .refine((p) => (p.keyId === undefined) === (p.secret === undefined), {
      message: 'give both keyId and secret to test new keys, or neither to test the saved ones',
      path: ['secret'],
    }),
  /** the environment the next start trades in; live needs `confirm` set to LIVE_CONFIRMATION */
  'broker:switch_environment': z
    .strictObject({ environment, confirm: z.string().max(200).optional() })
    .refine((p) => p.environment === 'paper' || p.confirm === LIVE_CONFIRMATION, {
      message: `switching to live trading needs confirm set to exactly "${LIVE_CONFIRMATION}"`,
      path: ['confirm'],
    }),
} as const;

export interface AlpacaKeyStatus {
  environment: AlpacaEnvironment;
  set: boolean;
  /** where the keys the next start would use come from */
  source: 'environment' | 'saved' | null;
  /** e.g. "PK…7QX2"; never the whole key ID, never the secret */
  maskedKeyId: string | null;
}

export interface BrokerConnectionSettings {
  /** what the running engine uses */
  active: { broker: BrokerKind; environment: BrokerEnvironment };
  /** the Alpaca environment the next start with --broker alpaca uses */
  nextEnvironment: AlpacaEnvironment;
  /** who decided nextEnvironment: the saved setting, or ALPACA_PAPER in the environment (which wins) */
  environmentSource: 'saved' | 'environment';
  /** saved changes wait for a restart of the engine */
  restartNeeded: boolean;
  keys: Record<AlpacaEnvironment, AlpacaKeyStatus>;
  /** where saved keys are kept, in words */
  keyStorage: string;
  /** false when keys cannot be saved here (no keychain); `keyStorage` says why */
  canSaveKeys: boolean;
  /** where the next start connects (URLs only) */
  endpoints: { trading: string; marketData: string; tradeStream: string; dataStream: string };
  /** environment variables that override the saved settings, by name */
  envOverrides: string[];
  liveConfirmation: string;
  /** in words: when saved changes take effect */
  appliesAt: string;
}

export type ConnectionTestOutcome =
  | 'ok'
  | 'no_keys'
  | 'wrong_keys'
  | 'unreachable'
  | 'live_url_with_paper_keys'
  | 'paper_url_with_live_keys'
  | 'account_blocked'
  | 'error';

export interface ConnectionTestResult {
  environment: AlpacaEnvironment;
  ok: boolean;
  outcome: ConnectionTestOutcome;
  /** readable: what happened and what to do */
  message: string;
  /** Alpaca's account status (ACTIVE, ACCOUNT_UPDATED, ...) when the call got that far */
  accountStatus: string | null;
  /** where the test connected */
  endpoint: string;
  latencyMs: number;
}

export interface BrokerResultTypes {
  'broker:get_settings': BrokerConnectionSettings;
  'broker:save_keys': BrokerConnectionSettings;
  'broker:clear_keys': BrokerConnectionSettings;
  'broker:test_connection': ConnectionTestResult;
  'broker:switch_environment': BrokerConnectionSettings;
}
