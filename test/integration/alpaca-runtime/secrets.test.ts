// Keys stay with the host: a whole session on Alpaca (keys saved through the API, encrypted with a
// stand-in keychain; trading, reconciliation, a wrong-keys test, the emergency stop) and then a
// search for the key ID and the secret in everything the renderer could see (snapshot, every
// event, every answer), in every log line, and in every file of the data directory, the SQLite
// database and its WAL included. Only the encrypted keys file holds them, and not in clear.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Result } from '../../../engine/api/contract';
import { startRuntime, type Runtime } from '../../../electron/runtime';
import { ENCRYPTED_KEYS_FILE_NAME, SafeStorageSecretStore, type SafeStorageLike } from '../../../electron/secrets/safeStorageSecretStore';
import { emulatorNow, emulatorUrls, removeTempDirs, tempDir, TUNING, waitFor } from './harness';

const KEY_ID = 'PKCANARYKEYID9F3Q7Z';
const SECRET = 'CanarySecret-0b8f3e9d2a7c4e1f6a5b';

/** Reversible like a keychain, never storing the plaintext. */
const keychain: SafeStorageLike = {
  isEncryptionAvailable: () => true,
  encryptString: (s) => Buffer.from(Buffer.from(s, 'utf8').map((x) => x ^ 0xa5)),
  decryptString: (b) => Buffer.from(b.map((x) => x ^ 0xa5)).toString('utf8'),
  getSelectedStorageBackend: () => 'gnome_libsecret',
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  removeTempDirs();
});

/** Every occurrence of the key ID or the secret, in text or in the bytes of a file. */
function leaks(haystack: string | Buffer, where: string): string[] {
  const buf = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
  const found: string[] = [];
  for (const [name, needle] of [['key ID', KEY_ID], ['secret', SECRET]] as const) {
    for (const enc of ['utf8', 'utf16le'] as const) if (buf.includes(Buffer.from(needle, enc))) found.push(`${name} (${enc}) in ${where}`);
  }
  return found;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => statSync(f).isFile());
}

describe('keys never leave the host', () => {
  it('a session with keys leaves them in no snapshot, event, answer, log line or data file', async () => {
    const emu = await emulatorNow({ keys: { keyId: KEY_ID, secret: SECRET } });
    cleanup.push(() => emu.close());
    const dataDir = tempDir('alpaca-secrets-');
    const logs: string[] = [];
    const seen: string[] = [];
    const record = (what: string, x: unknown): void => {
      seen.push(`${what}: ${JSON.stringify(x)}`);
    };
    const common = {
      dataDir,
      env: emulatorUrls(emu),
      secrets: () => SafeStorageSecretStore.inDataDir(dataDir, keychain),
      log: (level: string, message: string, data?: unknown) => logs.push(`${level} ${message} ${data === undefined ? '' : JSON.stringify(data)}`),
    };
    const call = async (rt: Runtime, channel: string, payload: unknown): Promise<Result<unknown>> => {
      const r = await rt.dispatch(channel, payload);
      record(channel, r);
      return r;
    };

    // 1. the user saves the keys from the simulator session (the Connection settings screen)
    const sim = await startRuntime({ ...common, broker: 'sim', simSpeed: 1 });
    sim.subscribe((e) => record(e.name, e.payload));
    expect((await call(sim, 'broker:save_keys', { environment: 'paper', keyId: KEY_ID, secret: SECRET })).ok).toBe(true);
    await call(sim, 'broker:test_connection', { environment: 'paper' });
    await sim.shutdown();

    // 2. an external position so that reconciliation has something to say
    emu.openExternalPosition('MSFT', 4);

    // 3. the next start trades on Alpaca with the saved keys
    const rt = await startRuntime({ ...common, broker: 'alpaca', alpaca: TUNING, housekeepingMs: 50 });
    cleanup.push(() => rt.shutdown());
    rt.subscribe((e) => record(e.name, e.payload));
    record('snapshot', rt.engine.snapshot());
    expect(rt.engine.snapshot().broker.connected).toBe(true);
    const unresolved = rt.engine.state.reconciliation.filter((i) => i.resolution === null);
    expect(unresolved.map((i) => i.id)).toEqual(['position:MSFT']);
    await call(rt, 'reconcile:resolve', { id: 'position:MSFT', action: 'adopt' });
    expect((await call(rt, 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' })).ok).toBe(true);
    await waitFor(() => rt.engine.state.positions.get('AAPL')?.qty === 1, 'the AAPL fill');
    await call(rt, 'broker:get_settings', {});
    await call(rt, 'broker:test_connection', { environment: 'paper' });
    // a wrong secret typed into the form: the answer and the logs name neither key
    await call(rt, 'broker:test_connection', { environment: 'paper', keyId: KEY_ID, secret: `${SECRET}x` });
    await call(rt, 'killswitch:engage', { flatten: true, source: 'ui' });
    emu.advance(2);
    await new Promise((r) => setTimeout(r, 300));
    record('snapshot', rt.engine.snapshot());
    await call(rt, 'audit:list', { limit: 1000 });
    await call(rt, 'orders:list', { scope: 'all', limit: 1000 });
    await rt.shutdown();

    // the test can fail: the canary is really in the material searched where it should be
    expect(seen.length).toBeGreaterThan(20);
    expect(logs.join('\n')).toContain('PK…3Q7Z');
    expect(leaks(JSON.stringify({ KEY_ID, SECRET }), 'self-check')).toHaveLength(2);
    expect(leaks(Buffer.from(`${KEY_ID}|${SECRET}`, 'utf16le'), 'self-check')).toHaveLength(2);

    const found = [...leaks(seen.join('\n'), 'renderer-visible data'), ...leaks(logs.join('\n'), 'the log')];
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.endsWith('.sqlite') || f.endsWith('.db'))).toBe(true);
    for (const f of files) found.push(...leaks(readFileSync(f), f));
    expect(found).toEqual([]);
    // the keys are in the data directory only inside the encrypted file
    expect(files.some((f) => f.endsWith(ENCRYPTED_KEYS_FILE_NAME))).toBe(true);
    expect(SafeStorageSecretStore.inDataDir(dataDir, keychain).load('paper')).toEqual({ keyId: KEY_ID, secret: SECRET });
  }, 60_000);
});
