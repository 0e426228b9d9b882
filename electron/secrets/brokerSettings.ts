// Serves the `broker:*` channels (engine/api/broker.ts) for both hosts: the connection settings
// without secrets, saving and clearing keys, the connection test, the paper/live switch. Keys go
// into the SecretStore and the redactor, never into an answer, a log line, the database or an
// event. Changes apply at the next start; answers say so (restartNeeded, appliesAt).
import { err, ok, parseRequest, type BrokerChannel, type RequestPayload, type Result, type ResultTypes } from '../../engine/api/contract';
import {
  ALPACA_ENVIRONMENTS,
  LIVE_CONFIRMATION,
  type AlpacaEnvironment,
  type AlpacaKeyStatus,
  type BrokerConnectionSettings,
  type ConnectionTestResult,
} from '../../engine/api/broker';
import type { BrokerEnvironment, BrokerKind } from '../../engine/domain/types';
import type { AlpacaConfig } from '../../engine/adapters/alpaca';
import { ALPACA_ENV_VARS, endpointsFor, environmentFor, keysFor, resolveAlpacaConfig, testAlpacaConnection, type EnvLike } from '../alpaca-runtime';
import type { HostLog } from '../hosted-engine';
import { writeConnectionSettings } from './connectionSettings';
import { maskKeyId, type Redactor } from './redact';
import { SecretStoreError, type SecretStore } from './types';

export interface BrokerSettingsDeps {
  dataDir: string;
  env: EnvLike;
  /** built on first use (Electron's safeStorage is only touched when keys are) */
  secrets: () => SecretStore;
  /** what the running engine uses */
  active: () => { broker: BrokerKind; environment: BrokerEnvironment };
  redactor: Redactor;
  log: HostLog;
  clock?: () => number;
  /** the account call behind broker:test_connection (tests may shorten its deadlines) */
  testConnection?: (config: AlpacaConfig) => Promise<ConnectionTestResult>;
}

type Handlers = { [C in BrokerChannel]: (p: RequestPayload<C>) => Promise<Result<ResultTypes[C]>> | Result<ResultTypes[C]> };

/** Paper key IDs start with PK and live ones with AK: a key saved under the wrong one is refused. */
function wrongShelf(environment: AlpacaEnvironment, keyId: string): string | null {
  const prefix = keyId.slice(0, 2).toUpperCase();
  if (environment === 'live' && prefix === 'PK') return `the key ${maskKeyId(keyId)} is a paper key (paper key IDs start with PK): save it under Paper`;
  if (environment === 'paper' && prefix === 'AK') return `the key ${maskKeyId(keyId)} is a live key (live key IDs start with AK): save it under Live`;
  return null;
}

export class BrokerSettingsService {
  private store: SecretStore | null = null;
  private changedSinceStart = false;
  private readonly handlers: Handlers;

  constructor(private readonly deps: BrokerSettingsDeps) {
    this.handlers = {
      'broker:get_settings': () => this.view(),
      'broker:save_keys': (p) => this.saveKeys(p),
      'broker:clear_keys': (p) => this.clearKeys(p),
      'broker:test_connection': (p) => this.test(p),
      'broker:switch_environment': (p) => this.switchEnvironment(p),
    };
  }

  private secrets(): SecretStore {
    this.store ??= this.deps.secrets();
    return this.store;
  }

  /** validates like every host does; never throws */
  async dispatch(channel: unknown, payload: unknown): Promise<Result<unknown>> {
    const parsed = parseRequest(channel, payload);
    if (!parsed.ok) return parsed;
    if (!Object.prototype.hasOwnProperty.call(this.handlers, parsed.channel)) return err('unknown_channel', `${parsed.channel} is not served by the broker settings`);
    try {
      const handler = this.handlers[parsed.channel as BrokerChannel] as (p: unknown) => Promise<Result<unknown>> | Result<unknown>;
      return await handler(parsed.payload);
    } catch (e) {
      const message = this.deps.redactor.text(e instanceof Error ? e.message : String(e));
      this.deps.log('error', `broker settings failed on ${parsed.channel}: ${message}`);
      return err('internal', `broker settings failed: ${message}`);
    }
  }

  view(): Result<BrokerConnectionSettings> {
    const { env, dataDir } = this.deps;
    const chosen = environmentFor(env, dataDir);
    if ('message' in chosen) return err('invalid_request', chosen.message);
    const store = this.secrets();
    const keys = {} as Record<AlpacaEnvironment, AlpacaKeyStatus>;
    for (const environment of ALPACA_ENVIRONMENTS) {
      // keys in the environment stand for the environment the next start trades in
      const fromEnv = environment === chosen.environment ? keysFor(environment, env, null) : { ok: true as const, keys: null, source: null };
      let k = fromEnv;
      if (fromEnv.ok && fromEnv.keys === null) k = keysFor(environment, {}, store);
      if (!k.ok) return err('conflict', k.message);
      if (k.keys) this.deps.redactor.addKeys(k.keys);
      keys[environment] = { environment, set: k.keys !== null, source: k.source, maskedKeyId: k.keys ? maskKeyId(k.keys.keyId) : null };
    }
    const active = this.deps.active();
    return ok({
      active,
      nextEnvironment: chosen.environment,
      environmentSource: chosen.source,
      restartNeeded: active.broker === 'alpaca' && this.changedSinceStart,
      keys,
      keyStorage: store.cannotSave ?? store.description,
      canSaveKeys: store.cannotSave === null,
      endpoints: endpointsFor(chosen.environment, env),
      envOverrides: ALPACA_ENV_VARS.filter((name) => (env[name] ?? '').trim() !== ''),
      liveConfirmation: LIVE_CONFIRMATION,
      appliesAt:
        active.broker === 'alpaca'
          ? 'Saved changes apply at the next start of the app (quit and start it again).'
          : 'Saved changes apply when the app is started with --broker alpaca (this session runs the simulator).',
    });
  }

  private saveKeys(p: RequestPayload<'broker:save_keys'>): Result<BrokerConnectionSettings> {
    const shelf = wrongShelf(p.environment, p.keyId);
    if (shelf) return err('invalid_request', shelf);
    const store = this.secrets();
    if (store.cannotSave !== null) return err('conflict', `keys not saved: ${store.cannotSave}`);
    const keys = { keyId: p.keyId, secret: p.secret };
    this.deps.redactor.addKeys(keys);
    try {
      store.save(p.environment, keys);
    } catch (e) {
      if (e instanceof SecretStoreError) return err('conflict', e.message);
      throw e;
    }
    this.changedSinceStart = true;
    this.deps.log('info', `saved the Alpaca ${p.environment} keys (key ${maskKeyId(p.keyId)}); they apply at the next start`);
    return this.view();
  }

  private clearKeys(p: RequestPayload<'broker:clear_keys'>): Result<BrokerConnectionSettings> {
    try {
      this.secrets().clear(p.environment);
    } catch (e) {
      if (e instanceof SecretStoreError) return err('conflict', e.message);
      throw e;
    }
    this.changedSinceStart = true;
    this.deps.log('info', `cleared the saved Alpaca ${p.environment} keys`);
    return this.view();
  }

  private async test(p: RequestPayload<'broker:test_connection'>): Promise<Result<ConnectionTestResult>> {
    const given = p.keyId !== undefined && p.secret !== undefined ? { keyId: p.keyId, secret: p.secret } : undefined;
    if (given) this.deps.redactor.addKeys(given);
    const resolved = resolveAlpacaConfig(
      { env: this.deps.env, dataDir: this.deps.dataDir, secrets: this.secrets() },
      { environment: p.environment, ...(given ? { keys: given } : {}) },
    );
    const endpoints = endpointsFor(p.environment, this.deps.env);
    if (!resolved.ok) {
      return ok({ environment: p.environment, ok: false, outcome: resolved.outcome, message: resolved.message, accountStatus: null, endpoint: endpoints.trading, latencyMs: 0 });
    }
    this.deps.redactor.add(resolved.config.secret);
    const result = await (this.deps.testConnection ?? testAlpacaConnection)(resolved.config);
    this.deps.log(result.ok ? 'info' : 'warn', `connection test (${p.environment}): ${result.outcome}: ${result.message}`);
    return ok({ ...result, message: this.deps.redactor.text(result.message) });
  }

  private switchEnvironment(p: RequestPayload<'broker:switch_environment'>): Result<BrokerConnectionSettings> {
    // the schema already refuses live without the sentence; this is the second lock on the door
    if (p.environment === 'live' && p.confirm !== LIVE_CONFIRMATION) {
      return err('invalid_request', `switching to live trading needs confirm set to exactly "${LIVE_CONFIRMATION}"`);
    }
    const now = (this.deps.clock ?? Date.now)();
    writeConnectionSettings(this.deps.dataDir, p.environment === 'live' ? { environment: 'live', liveConfirmedAt: now } : { environment: 'paper', liveConfirmedAt: null });
    this.changedSinceStart = true;
    this.deps.log(p.environment === 'live' ? 'warn' : 'info', `the next start trades ${p.environment === 'live' ? 'LIVE, with real money (confirmed by the user)' : 'on the paper account'}`);
    const view = this.view();
    if (view.ok && view.value.environmentSource === 'environment' && view.value.nextEnvironment !== p.environment) {
      return err('conflict', `saved, but ALPACA_PAPER in this process's environment decides (${view.value.nextEnvironment}); remove it for the saved choice to apply`);
    }
    return view;
  }
}
