// Where keys are kept and how they stay out of sight: the user-only keys file (refused when others
// can read it), the safeStorage file (ciphertext only; refused without a real keychain), the
// redactor every log line passes, and the paper/live setting that never reads back as live
// without the recorded confirmation.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBrokerInUse, readConnectionSettings, recordBrokerInUse, writeConnectionSettings, CONNECTION_FILE_NAME } from '../../../electron/secrets/connectionSettings';
import { FileSecretStore } from '../../../electron/secrets/fileSecretStore';
import { maskKeyId, redactingLog, Redactor } from '../../../electron/secrets/redact';
import { SafeStorageSecretStore, type SafeStorageLike } from '../../../electron/secrets/safeStorageSecretStore';
import { SecretStoreError } from '../../../electron/secrets/types';

const root = mkdtempSync(join(tmpdir(), 'secrets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = (): string => {
  const d = join(root, String(n++));
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d);
  return d;
};

const PAPER = { keyId: 'PKPAPERKEY00000001', secret: 'paper-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaa' };
const LIVE = { keyId: 'AKLIVEKEY000000002', secret: 'live-secret-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' };
const posix = process.platform !== 'win32';

describe('FileSecretStore (headless)', () => {
  it('keeps paper and live keys as separate entries in a file of mode 600', () => {
    const store = FileSecretStore.inDataDir(dir());
    expect(store.load('paper')).toBeNull();
    store.save('paper', PAPER);
    store.save('live', LIVE);
    expect(store.load('paper')).toEqual(PAPER);
    expect(store.load('live')).toEqual(LIVE);
    store.clear('live');
    expect(store.load('live')).toBeNull();
    expect(store.load('paper')).toEqual(PAPER);
    if (posix) expect(statSync(store.path).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!posix)('refuses a keys file others can read, with the chmod 600 that fixes it', () => {
    const store = FileSecretStore.inDataDir(dir());
    store.save('paper', PAPER);
    chmodSync(store.path, 0o644);
    expect(() => store.load('paper')).toThrow(SecretStoreError);
    expect(() => store.load('paper')).toThrow(`chmod 600 ${store.path}`);
    chmodSync(store.path, 0o600);
    expect(store.load('paper')).toEqual(PAPER);
  });

  it('a damaged file is refused with what it should look like', () => {
    const store = FileSecretStore.inDataDir(dir());
    writeFileSync(store.path, '{"paper": {"keyId": 12}}', { mode: 0o600 });
    expect(() => store.load('paper')).toThrow(/"paper" entry .* needs "keyId" and "secret"/);
    writeFileSync(store.path, 'not json', { mode: 0o600 });
    expect(() => store.load('paper')).toThrow(/not valid JSON/);
  });
});

/** A stand-in keychain: reversible, but the stored bytes never contain the plaintext. */
function fakeSafeStorage(opts: { available?: boolean; backend?: string } = {}): SafeStorageLike {
  const flip = (b: Buffer): Buffer => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    isEncryptionAvailable: () => opts.available ?? true,
    encryptString: (s) => Buffer.concat([Buffer.from('v10'), flip(Buffer.from(s, 'utf8'))]),
    decryptString: (b) => {
      if (b.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return flip(b.subarray(3)).toString('utf8');
    },
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
  };
}

describe('SafeStorageSecretStore (the app)', () => {
  it('stores each environment encrypted on its own; the file holds no key in clear and is mode 600', () => {
    const store = SafeStorageSecretStore.inDataDir(dir(), fakeSafeStorage());
    store.save('paper', PAPER);
    store.save('live', LIVE);
    const text = readFileSync(store.path, 'utf8');
    for (const s of [PAPER.keyId, PAPER.secret, LIVE.keyId, LIVE.secret]) expect(text).not.toContain(s);
    expect(store.load('paper')).toEqual(PAPER);
    expect(store.load('live')).toEqual(LIVE);
    if (posix) expect(statSync(store.path).mode & 0o777).toBe(0o600);
  });

  it.runIf(process.platform === 'linux')('refuses to save where Linux has no keyring (safeStorage would only obfuscate)', () => {
    const store = SafeStorageSecretStore.inDataDir(dir(), fakeSafeStorage({ backend: 'basic_text' }));
    expect(store.cannotSave).toMatch(/no keyring .* only be obfuscated/);
    expect(() => store.save('paper', PAPER)).toThrow(/keys not saved/);
  });

  it('refuses to save without a keychain, and says to use the environment instead', () => {
    const store = SafeStorageSecretStore.inDataDir(dir(), fakeSafeStorage({ available: false }));
    expect(store.cannotSave).toMatch(/APCA_API_KEY_ID and APCA_API_SECRET_KEY/);
    expect(() => store.save('paper', PAPER)).toThrow(SecretStoreError);
  });

  it('keys that no longer decrypt (another computer, a new keychain) say to save them again', () => {
    const d = dir();
    const store = SafeStorageSecretStore.inDataDir(d, fakeSafeStorage());
    store.save('paper', PAPER);
    const other = SafeStorageSecretStore.inDataDir(d, { ...fakeSafeStorage(), decryptString: () => { throw new Error('bad'); } });
    expect(() => other.load('paper')).toThrow(/cannot be decrypted .* save the keys again/);
  });
});

describe('Redactor', () => {
  it('replaces the secret and masks the key ID in messages and nested data, errors included', () => {
    const r = new Redactor();
    r.addKeys(PAPER);
    const lines: unknown[] = [];
    const log = redactingLog((level, message, data) => lines.push({ level, message, data }), r);
    log('warn', `auth with ${PAPER.keyId}:${PAPER.secret} failed`, { headers: { 'APCA-API-SECRET-KEY': PAPER.secret }, list: [PAPER.keyId], err: new Error(`bad ${PAPER.secret}`) });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(PAPER.secret);
    expect(text).not.toContain(PAPER.keyId);
    expect(text).toContain('PK…0001');
    expect(text).toContain('[redacted]');
  });

  it('masks key IDs to two leading and four trailing characters; short values are not shown at all', () => {
    expect(maskKeyId('PKABCDEFGH12345678')).toBe('PK…5678');
    expect(maskKeyId('short')).toBe('…');
  });
});

describe('connection settings (no secrets)', () => {
  it('defaults to paper; live reads back only with the time it was confirmed; a damaged file reads as paper', () => {
    const d = dir();
    expect(readConnectionSettings(d)).toEqual({ environment: 'paper', liveConfirmedAt: null });
    writeConnectionSettings(d, { environment: 'live', liveConfirmedAt: 1234 });
    expect(readConnectionSettings(d)).toEqual({ environment: 'live', liveConfirmedAt: 1234 });
    writeFileSync(join(d, CONNECTION_FILE_NAME), '{"environment":"live"}');
    expect(readConnectionSettings(d).environment).toBe('paper');
    writeFileSync(join(d, CONNECTION_FILE_NAME), '{{{');
    expect(readConnectionSettings(d).environment).toBe('paper');
  });

  it('records which broker the directory trades with, for `cli stop`', () => {
    const d = dir();
    expect(readBrokerInUse(d)).toBeNull();
    recordBrokerInUse(d, { broker: 'alpaca', environment: 'paper', startedAt: 5 });
    expect(readBrokerInUse(d)).toEqual({ broker: 'alpaca', environment: 'paper', startedAt: 5 });
  });
});
