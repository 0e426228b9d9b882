// Where Alpaca keys are kept. Paper and live keys are separate entries: saving one never
// touches the other, and the runtime only ever reads the entry of the environment it trades in.
import type { AlpacaEnvironment } from '../../engine/api/broker';

export interface AlpacaKeys {
  keyId: string;
  secret: string;
}

export interface SecretStore {
  /** where and how keys are kept, in words the Connection settings screen shows */
  readonly description: string;
  /** null when keys can be saved here; otherwise why not, and what to do instead */
  readonly cannotSave: string | null;
  /** throws SecretStoreError (with a message saying what to do) when the keys exist but cannot be read */
  load(environment: AlpacaEnvironment): AlpacaKeys | null;
  save(environment: AlpacaEnvironment, keys: AlpacaKeys): void;
  clear(environment: AlpacaEnvironment): void;
}

/** The keys could not be read or written; the message says what to do. */
export class SecretStoreError extends Error {
  override name = 'SecretStoreError';
}
