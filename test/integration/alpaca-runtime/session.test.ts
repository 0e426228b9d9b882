// The real runtime (engine + SQLite store + Alpaca adapters over the SDK) against the emulator:
// a paper session places orders that fill, cancels one, receives live bars, caches history in
// the store, and refuses wrong keys, an unreachable URL and paper keys on the live host with a
// sentence instead of a crash.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeStartError, startRuntime, type AlpacaRuntime } from '../../../electron/runtime';
import type { EngineEvent } from '../../../engine/api/contract';
import type { OrderRecord } from '../../../engine/domain/types';
import type { Emulator } from '../../emulator/server';
import { emulatorEnv, emulatorNow, emulatorPositions, emulatorUrls, ordersPerClientId, removeTempDirs, tempDir, TUNING, waitFor } from './harness';

const open: { rt: AlpacaRuntime | null; emu: Emulator | null }[] = [];

afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.rt?.shutdown();
    await o.emu?.close();
  }
  removeTempDirs();
});

async function session(dataDir = tempDir()): Promise<{ rt: AlpacaRuntime; emu: Emulator; events: EngineEvent[]; dataDir: string }> {
  const emu = await emulatorNow();
  const entry: { rt: AlpacaRuntime | null; emu: Emulator | null } = { rt: null, emu };
  open.push(entry);
  const rt = await startRuntime({ dataDir, broker: 'alpaca', env: emulatorEnv(emu), alpaca: TUNING, housekeepingMs: 50 });
  entry.rt = rt;
  const events: EngineEvent[] = [];
  rt.subscribe((e) => events.push(e));
  return { rt, emu, events, dataDir };
}

describe('a paper session through the runtime', () => {
  it('starts connected on paper, places a market order that fills into a position matching the emulator, exactly one order per intent', async () => {
    const { rt, emu } = await session();
    const snap = rt.engine.snapshot();
    expect(snap.broker).toMatchObject({ kind: 'alpaca', environment: 'paper', connected: true });
    expect(snap.instruments.map((i) => i.symbol)).toEqual(['AAPL', 'MSFT', 'BTC/USD']);
    expect(snap.mode).toBe('manual');

    const placed = await rt.dispatch('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 3, type: 'market' });
    expect(placed.ok, JSON.stringify(placed)).toBe(true);
    const id = (placed as { ok: true; value: OrderRecord }).value.clientOrderId;
    await waitFor(() => rt.engine.state.positions.get('AAPL')?.qty === 3, 'the AAPL fill to reach the journal');
    expect(emulatorPositions(emu)).toEqual({ AAPL: 3 });
    expect(rt.store.getOrder(id)).toMatchObject({ status: 'filled', filledQty: 3 });
    expect(rt.store.countFills()).toBe(1);
    expect(ordersPerClientId(emu).get(id)).toBe(1);
  });

  it('a crypto market order (placed by the engine as a day order) goes out as gtc, the only kind Alpaca takes for crypto, and fills', async () => {
    const { rt, emu } = await session();
    const placed = await rt.dispatch('orders:submit', { symbol: 'BTC/USD', side: 'buy', qty: 0.01, type: 'market' });
    expect(placed.ok, JSON.stringify(placed)).toBe(true);
    const id = (placed as { ok: true; value: OrderRecord }).value.clientOrderId;
    expect(emu.exchange.getByClientId(id)?.tif).toBe('gtc');
    await waitFor(() => rt.engine.state.positions.get('BTC/USD')?.qty === 0.01, 'the BTC/USD fill to reach the journal');
  });

  it('a resting limit order is cancelled at the emulator through orders:cancel', async () => {
    const { rt, emu } = await session();
    const last = rt.market.lastPrice('MSFT');
    expect(last).not.toBeNull();
    const placed = await rt.dispatch('orders:submit', { symbol: 'MSFT', side: 'buy', qty: 1, type: 'limit', limitPrice: Math.round((last as number) * 0.8) });
    expect(placed.ok, JSON.stringify(placed)).toBe(true);
    const id = (placed as { ok: true; value: OrderRecord }).value.clientOrderId;
    expect(emu.exchange.getByClientId(id)?.status).toBe('new');
    const cancelled = await rt.dispatch('orders:cancel', { clientOrderId: id });
    expect(cancelled.ok, JSON.stringify(cancelled)).toBe(true);
    expect(emu.exchange.getByClientId(id)?.status).toBe('canceled');
    await waitFor(() => rt.store.getOrder(id)?.status === 'canceled', 'the cancel to be journaled from the trade-updates stream');
  });

  it('live bars from the data stream reach the engine after start, and history is cached in the store as chunks', async () => {
    const { rt, emu, events } = await session();
    await waitFor(() => rt.market.status.connected, 'the market-data streams to subscribe');
    const before = rt.market.history('AAPL', 1000).length;
    expect(before).toBeGreaterThan(100);
    const cached = rt.store.loadBars('AAPL', '1Min', 0, Date.now());
    expect(cached.length).toBeGreaterThanOrEqual(before);
    emu.advance(3);
    await waitFor(() => events.some((e) => e.name === 'bars:tick' && e.payload.ticks.some((t) => t.symbol === 'AAPL')), 'a live AAPL bar');
  });

  it('a restart reads history from the store cache and fetches only what is new', async () => {
    const first = await session();
    const dataDir = first.dataDir;
    await first.rt.shutdown();
    const requestsBefore = first.emu.requestCount('GET', '/v2/stocks/bars');
    first.emu.advance(2);
    const rt = await startRuntime({ dataDir, broker: 'alpaca', env: emulatorEnv(first.emu), alpaca: TUNING });
    open.push({ rt, emu: null });
    // the cache already holds the history: one page fetches the two new minutes
    expect(first.emu.requestCount('GET', '/v2/stocks/bars') - requestsBefore).toBe(1);
    expect(rt.market.history('AAPL', 1000).length).toBeGreaterThan(100);
  });
});

describe('bad connection settings are refused with a sentence, never a crash', () => {
  async function refused(env: Record<string, string | undefined>, emu: Emulator | null): Promise<string> {
    if (emu) open.push({ rt: null, emu });
    const dataDir = tempDir();
    const started = startRuntime({ dataDir, broker: 'alpaca', env, alpaca: TUNING });
    await expect(started).rejects.toBeInstanceOf(RuntimeStartError);
    const message = await started.then(
      () => '',
      (e: unknown) => (e as Error).message,
    );
    // the lock was released: the directory can be used again at once
    const again = startRuntime({ dataDir, broker: 'sim', simSpeed: 1 });
    await (await again).shutdown();
    return message;
  }

  it('wrong keys: Alpaca refuses them and the message says to check the key ID and secret', async () => {
    const emu = await emulatorNow();
    const message = await refused({ ...emulatorEnv(emu), APCA_API_SECRET_KEY: 'not-the-right-secret-at-all-000' }, emu);
    expect(message).toMatch(/refused the API keys.*401/);
    expect(message).toMatch(/Check the key ID and secret/);
    expect(message).not.toContain('not-the-right-secret-at-all-000');
  });

  it('an unreachable URL: the message names the URL and says to check the network and settings', async () => {
    const emu = await emulatorNow();
    const env = emulatorEnv(emu);
    await emu.close();
    const message = await refused(env, null);
    expect(message).toMatch(/could not reach Alpaca at http:\/\/127\.0\.0\.1:\d+/);
    expect(message).toMatch(/check the network connection and the configured URLs/);
  });

  it('live with paper keys: refused before anything is sent', async () => {
    const emu = await emulatorNow({ keys: { keyId: 'PKTESTPAPERKEY0001', secret: 'paper-secret-000000000000000000' } });
    const message = await refused({ ...emulatorEnv(emu), ALPACA_PAPER: 'false' }, emu);
    expect(message).toMatch(/live URL with paper keys/);
    expect(message).toContain('PK…0001');
    expect(emu.requests.length).toBe(0);
  });

  it.skipIf(process.platform === 'win32')('a keys file others can read: the start is refused with the chmod 600 that fixes it', async () => {
    const emu = await emulatorNow();
    open.push({ rt: null, emu });
    const dataDir = tempDir();
    const file = join(dataDir, 'alpaca-keys.json');
    writeFileSync(file, JSON.stringify({ paper: emu.keys }), { mode: 0o644 });
    chmodSync(file, 0o644);
    const started = startRuntime({ dataDir, broker: 'alpaca', env: emulatorUrls(emu), alpaca: TUNING });
    await expect(started).rejects.toThrow(`chmod 600 ${file}`);
    chmodSync(file, 0o600);
    const rt = await startRuntime({ dataDir, broker: 'alpaca', env: emulatorUrls(emu), alpaca: TUNING });
    open.push({ rt, emu: null });
    expect(rt.engine.snapshot().broker.connected).toBe(true);
  });

  it('no keys anywhere: the message says where to put them', async () => {
    const message = await refused({ ALPACA_PAPER: 'true' }, null);
    expect(message).toMatch(/no Alpaca paper keys: save them in Connection settings, or set APCA_API_KEY_ID and APCA_API_SECRET_KEY/);
  });
});
