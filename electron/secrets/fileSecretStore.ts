// Headless hosts keep keys in a JSON file readable only by the user (mode 0600), like ~/.ssh keys:
// { "paper": { "keyId": "...", "secret": "..." }, "live": { ... } }. A file others can read is
// refused with the chmod that fixes it. The environment (APCA_API_KEY_ID...) is the other way in.
import { join } from 'node:path';
import type { AlpacaEnvironment } from '../../engine/api/broker';
import { readPrivateFile, writePrivateFile } from './privateFile';
import { SecretStoreError, type AlpacaKeys, type SecretStore } from './types';

export const KEYS_FILE_NAME = 'alpaca-keys.json';

type KeysFile = Partial<Record<AlpacaEnvironment, AlpacaKeys>>;

function isKeys(x: unknown): x is AlpacaKeys {
  if (typeof x !== 'object' || x === null) return false;
  const k = x as Record<string, unknown>;
  return typeof k.keyId === 'string' && k.keyId.trim() !== '' && typeof k.secret === 'string' && k.secret.trim() !== '';
}

/** Parse point for the keys file. */
function parse(text: string, path: string): KeysFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SecretStoreError(`the keys file ${path} is not valid JSON; expected {"paper": {"keyId": "...", "secret": "..."}, "live": {...}}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SecretStoreError(`the keys file ${path} must hold a JSON object with "paper" and/or "live"`);
  const out: KeysFile = {};
  for (const env of ['paper', 'live'] as const) {
    const entry = (raw as Record<string, unknown>)[env];
    if (entry === undefined) continue;
    if (!isKeys(entry)) throw new SecretStoreError(`the "${env}" entry of ${path} needs "keyId" and "secret" strings`);
    out[env] = { keyId: entry.keyId.trim(), secret: entry.secret.trim() };
  }
  return out;
}

export class FileSecretStore implements SecretStore {
  readonly cannotSave = null;

  constructor(readonly path: string) {}

  static inDataDir(dataDir: string): FileSecretStore {
    return new FileSecretStore(join(dataDir, KEYS_FILE_NAME));
  }

  get description(): string {
    return `a file only your user can read (mode 600): ${this.path}`;
  }

  private read(): KeysFile {
    const text = readPrivateFile(this.path);
    return text === null ? {} : parse(text, this.path);
  }

  load(environment: AlpacaEnvironment): AlpacaKeys | null {
    return this.read()[environment] ?? null;
  }

  save(environment: AlpacaEnvironment, keys: AlpacaKeys): void {
    const all = this.read();
    all[environment] = { keyId: keys.keyId, secret: keys.secret };
    writePrivateFile(this.path, `${JSON.stringify(all, null, 2)}\n`);
  }

  clear(environment: AlpacaEnvironment): void {
    const all = this.read();
    if (all[environment] === undefined) return;
    delete all[environment];
    writePrivateFile(this.path, `${JSON.stringify(all, null, 2)}\n`);
  }
}
