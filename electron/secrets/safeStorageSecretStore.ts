// The desktop app keeps keys encrypted with Electron's safeStorage (the OS keychain: Keychain on
// macOS, DPAPI on Windows, libsecret/kwallet on Linux) in a private file of the data directory:
// { "version": 1, "paper": "<base64 ciphertext>", "live": "<base64 ciphertext>" }. Each entry is
// encrypted on its own, so paper and live keys never share a blob.
// Where Linux has no keyring, safeStorage falls back to a fixed password ("basic_text"): that is
// obfuscation, not encryption, so saving is refused there and the message says what to do.
import { join } from 'node:path';
import type { AlpacaEnvironment } from '../../engine/api/broker';
import { readPrivateFile, writePrivateFile } from './privateFile';
import { SecretStoreError, type AlpacaKeys, type SecretStore } from './types';

export const ENCRYPTED_KEYS_FILE_NAME = 'alpaca-keys.enc.json';

/** The part of Electron's safeStorage used here (injected, so this file never imports electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron */
  getSelectedStorageBackend?: () => string;
}

type EncryptedFile = { version: 1 } & Partial<Record<AlpacaEnvironment, string>>;

export class SafeStorageSecretStore implements SecretStore {
  constructor(
    readonly path: string,
    private readonly safeStorage: SafeStorageLike,
  ) {}

  static inDataDir(dataDir: string, safeStorage: SafeStorageLike): SafeStorageSecretStore {
    return new SafeStorageSecretStore(join(dataDir, ENCRYPTED_KEYS_FILE_NAME), safeStorage);
  }

  get cannotSave(): string | null {
    if (!this.safeStorage.isEncryptionAvailable()) {
      return 'the system keychain is not available, so keys cannot be stored encrypted; set APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment instead';
    }
    const backend = process.platform === 'linux' ? this.safeStorage.getSelectedStorageBackend?.() : undefined;
    if (backend === 'basic_text' || backend === 'unknown') {
      return 'no keyring (GNOME Keyring or KWallet) was found, so keys could only be obfuscated, not encrypted; start a keyring, or set APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment instead';
    }
    return null;
  }

  get description(): string {
    return `encrypted with the system keychain (Electron safeStorage) in ${this.path}`;
  }

  private read(): EncryptedFile {
    const text = readPrivateFile(this.path);
    if (text === null) return { version: 1 };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new SecretStoreError(`the encrypted keys file ${this.path} is damaged (not JSON); delete it and save the keys again`);
    }
    if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== 1) {
      throw new SecretStoreError(`the encrypted keys file ${this.path} has an unknown format; delete it and save the keys again`);
    }
    const r = raw as Record<string, unknown>;
    const out: EncryptedFile = { version: 1 };
    for (const env of ['paper', 'live'] as const) if (typeof r[env] === 'string') out[env] = r[env];
    return out;
  }

  load(environment: AlpacaEnvironment): AlpacaKeys | null {
    const blob = this.read()[environment];
    if (blob === undefined) return null;
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new SecretStoreError(`the saved ${environment} keys cannot be decrypted: the system keychain is not available right now`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.safeStorage.decryptString(Buffer.from(blob, 'base64')));
    } catch {
      throw new SecretStoreError(
        `the saved ${environment} keys cannot be decrypted (the keychain changed, or the file was copied from another computer); save the keys again`,
      );
    }
    const k = parsed as Partial<AlpacaKeys> | null;
    if (typeof k?.keyId !== 'string' || typeof k.secret !== 'string') throw new SecretStoreError(`the saved ${environment} keys are damaged; save them again`);
    return { keyId: k.keyId, secret: k.secret };
  }

  save(environment: AlpacaEnvironment, keys: AlpacaKeys): void {
    const refused = this.cannotSave;
    if (refused !== null) throw new SecretStoreError(`keys not saved: ${refused}`);
    const all = this.read();
    all[environment] = this.safeStorage.encryptString(JSON.stringify({ keyId: keys.keyId, secret: keys.secret })).toString('base64');
    writePrivateFile(this.path, `${JSON.stringify(all)}\n`);
  }

  clear(environment: AlpacaEnvironment): void {
    const all = this.read();
    if (all[environment] === undefined) return;
    delete all[environment];
    writePrivateFile(this.path, `${JSON.stringify(all)}\n`);
  }
}
