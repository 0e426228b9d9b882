// The broker:* channels through the real runtime (both hosts serve them through runtime.dispatch):
// connection settings without secrets, saving keys per environment, the connection test against
// the emulator with a readable outcome for each failure, the guarded switch to live, and a next
// start that trades with the keys saved here.
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerConnectionSettings, ConnectionTestResult } from '../../../engine/api/broker';
import { LIVE_CONFIRMATION } from '../../../engine/api/broker';
import type { Result } from '../../../engine/api/contract';
import { startRuntime, type Runtime } from '../../../electron/runtime';
import type { Emulator } from '../../emulator/server';
import { emulatorNow, emulatorUrls, removeTempDirs, tempDir, TUNING } from './harness';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  removeTempDirs();
});

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

async function simWithSettings(emu: Emulator, dataDir = tempDir()): Promise<Runtime> {
  const rt = await startRuntime({ dataDir, broker: 'sim', simSpeed: 1, env: emulatorUrls(emu) });
  cleanup.push(() => rt.shutdown());
  return rt;
}

describe('broker settings channels', () => {
  it('shows settings without secrets, saves paper keys (masked back), and the connection test reads the account', async () => {
    const emu = await emulatorNow({ keys: { keyId: 'PKSETTINGS00000042', secret: 'settings-secret-0000000000000000' } });
    cleanup.push(() => emu.close());
    const rt = await simWithSettings(emu);

    const before = value<BrokerConnectionSettings>(await rt.dispatch('broker:get_settings', {}));
    expect(before).toMatchObject({ active: { broker: 'sim', environment: 'simulated' }, nextEnvironment: 'paper', keys: { paper: { set: false }, live: { set: false } }, canSaveKeys: true });
    expect(before.appliesAt).toMatch(/--broker alpaca/);
    expect(before.endpoints.trading).toBe(emu.urls.api);

    const saved = await rt.dispatch('broker:save_keys', { environment: 'paper', keyId: emu.keys.keyId, secret: emu.keys.secret });
    const view = value<BrokerConnectionSettings>(saved);
    expect(view.keys.paper).toEqual({ environment: 'paper', set: true, source: 'saved', maskedKeyId: 'PK…0042' });
    expect(JSON.stringify(saved)).not.toContain(emu.keys.secret);
    expect(JSON.stringify(saved)).not.toContain(emu.keys.keyId);

    const test = value<ConnectionTestResult>(await rt.dispatch('broker:test_connection', { environment: 'paper' }));
    expect(test).toMatchObject({ ok: true, outcome: 'ok', accountStatus: 'ACTIVE', environment: 'paper' });
    expect(test.message).toMatch(/connected to Alpaca paper: account ACTIVE, equity \$100000\.00/);
  });

  it('each failure of the connection test is a sentence: wrong keys, unreachable, live URL with paper keys, no keys', async () => {
    const emu = await emulatorNow({ keys: { keyId: 'PKSETTINGS00000042', secret: 'settings-secret-0000000000000000' } });
    cleanup.push(() => emu.close());
    const rt = await simWithSettings(emu);

    const wrong = value<ConnectionTestResult>(await rt.dispatch('broker:test_connection', { environment: 'paper', keyId: 'PKSETTINGS00000042', secret: 'a-wrong-secret-00000000000000000' }));
    expect(wrong).toMatchObject({ ok: false, outcome: 'wrong_keys' });
    expect(wrong.message).toMatch(/^wrong keys: Alpaca refused them \(HTTP 401\)/);
    expect(wrong.message).not.toContain('a-wrong-secret');

    const paperOnLive = value<ConnectionTestResult>(await rt.dispatch('broker:test_connection', { environment: 'live', keyId: 'PKSETTINGS00000042', secret: 'settings-secret-0000000000000000' }));
    expect(paperOnLive).toMatchObject({ ok: false, outcome: 'live_url_with_paper_keys' });
    expect(paperOnLive.message).toMatch(/^live URL with paper keys/);

    const none = value<ConnectionTestResult>(await rt.dispatch('broker:test_connection', { environment: 'live' }));
    expect(none).toMatchObject({ ok: false, outcome: 'no_keys' });

    const port = new URL(emu.urls.api).port;
    await emu.close();
    const down = value<ConnectionTestResult>(await rt.dispatch('broker:test_connection', { environment: 'paper', keyId: 'PKSETTINGS00000042', secret: 'settings-secret-0000000000000000' }));
    expect(down).toMatchObject({ ok: false, outcome: 'unreachable' });
    expect(down.message).toContain(`127.0.0.1:${port}`);
  });

  it('keys saved under the wrong environment, malformed keys and live without the sentence are refused', async () => {
    const emu = await emulatorNow();
    cleanup.push(() => emu.close());
    const rt = await simWithSettings(emu);
    const shelf = await rt.dispatch('broker:save_keys', { environment: 'live', keyId: 'PKPAPER000000000001', secret: 'paper-secret-0000000000000000' });
    expect(shelf).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/is a paper key .* save it under Paper/) } });
    const bad = await rt.dispatch('broker:save_keys', { environment: 'paper', keyId: 'PK with spaces', secret: 'x' });
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).toMatch(/the key ID is letters and digits only/);

    const noConfirm = await rt.dispatch('broker:switch_environment', { environment: 'live' });
    expect(noConfirm).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(JSON.stringify(noConfirm)).toContain(LIVE_CONFIRMATION);
    const sloppy = await rt.dispatch('broker:switch_environment', { environment: 'live', confirm: 'yes' });
    expect(sloppy.ok).toBe(false);
    expect(value<BrokerConnectionSettings>(await rt.dispatch('broker:get_settings', {})).nextEnvironment).toBe('paper');

    const live = value<BrokerConnectionSettings>(await rt.dispatch('broker:switch_environment', { environment: 'live', confirm: LIVE_CONFIRMATION }));
    expect(live.nextEnvironment).toBe('live');
    const back = value<BrokerConnectionSettings>(await rt.dispatch('broker:switch_environment', { environment: 'paper' }));
    expect(back.nextEnvironment).toBe('paper');
  });

  it('keys saved in one session are what the next start with --broker alpaca trades with', async () => {
    const emu = await emulatorNow({ keys: { keyId: 'PKNEXTSTART0000007', secret: 'next-start-secret-000000000000' } });
    cleanup.push(() => emu.close());
    const dataDir = tempDir();
    const sim = await startRuntime({ dataDir, broker: 'sim', simSpeed: 1, env: emulatorUrls(emu) });
    value(await sim.dispatch('broker:save_keys', { environment: 'paper', keyId: emu.keys.keyId, secret: emu.keys.secret }));
    await sim.shutdown();

    const rt = await startRuntime({ dataDir, broker: 'alpaca', env: emulatorUrls(emu), alpaca: TUNING });
    cleanup.push(() => rt.shutdown());
    expect(rt.engine.snapshot().broker).toMatchObject({ kind: 'alpaca', environment: 'paper', connected: true });
    const view = value<BrokerConnectionSettings>(await rt.dispatch('broker:get_settings', {}));
    expect(view).toMatchObject({ active: { broker: 'alpaca', environment: 'paper' }, restartNeeded: false, keys: { paper: { source: 'saved', maskedKeyId: 'PK…0007' } } });
    value(await rt.dispatch('broker:switch_environment', { environment: 'live', confirm: LIVE_CONFIRMATION }));
    expect(value<BrokerConnectionSettings>(await rt.dispatch('broker:get_settings', {})).restartNeeded).toBe(true);
  });
});
