// Trading state with the emergency-stop latch (one row), and settings (key -> JSON).
import type { Database } from 'better-sqlite3';
import type { Settings, StateSetter, TradingState, TradingStateRecord } from '../../engine/domain/types';
import { StoreInputError } from '../errors';
import { fromJson, oneOf, time, toJson } from './validate';

const TRADING_STATES: readonly TradingState[] = ['active', 'reducing', 'halted'];
const SETTERS: readonly StateSetter[] = ['user', 'killswitch', 'breaker', 'cli', 'system'];

/** settings key under which the engine's Settings object is kept */
export const APP_SETTINGS_KEY = 'settings';

interface TradingStateRow {
  state: TradingState;
  set_by: StateSetter;
  reason: string;
  at: number;
  latched: 0 | 1;
}

export function prepareStateRepo(db: Database) {
  const saveState = db.prepare(`
    INSERT INTO trading_state (id, state, set_by, reason, at, latched) VALUES (1, @state, @set_by, @reason, @at, @latched)
    ON CONFLICT (id) DO UPDATE SET state = excluded.state, set_by = excluded.set_by, reason = excluded.reason,
      at = excluded.at, latched = excluded.latched`);
  const getState = db.prepare<[], TradingStateRow>('SELECT state, set_by, reason, at, latched FROM trading_state WHERE id = 1');
  const setSetting = db.prepare<[string, string]>(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const getSetting = db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck();

  return {
    saveTradingState(r: TradingStateRecord): void {
      if (typeof r.latched !== 'boolean') throw new StoreInputError(`trading state latched must be a boolean, got ${String(r.latched)}`);
      saveState.run({
        state: oneOf('trading state', TRADING_STATES, r.state),
        set_by: oneOf('trading state setBy', SETTERS, r.setBy),
        reason: r.reason,
        at: time('trading state at', r.at),
        latched: r.latched ? 1 : 0,
      });
    },
    tradingState(): TradingStateRecord | null {
      const r = getState.get();
      return r === undefined ? null : { state: r.state, setBy: r.set_by, reason: r.reason, at: r.at, latched: r.latched === 1 };
    },
    setSetting(key: string, value: unknown): void {
      setSetting.run(key, toJson(`setting ${JSON.stringify(key)}`, value));
    },
    getSetting<T>(key: string): T | null {
      const s = getSetting.get(key);
      return s === undefined ? null : fromJson<T>(s);
    },
    saveSettings(s: Settings): void {
      setSetting.run(APP_SETTINGS_KEY, toJson('settings', s));
    },
    settings(): Settings | null {
      const s = getSetting.get(APP_SETTINGS_KEY);
      return s === undefined ? null : fromJson<Settings>(s);
    },
  };
}

export type StateRepo = ReturnType<typeof prepareStateRepo>;
