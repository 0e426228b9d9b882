// The emulator itself: determinism, market hours, the /__admin controls, and `npm run emulator`.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/server';
import { emulator, T0, waitFor } from './harness';

const open: Emulator[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
});

async function emu(opts: Parameters<typeof emulator>[0] = {}): Promise<Emulator> {
  const e = await emulator(opts);
  open.push(e);
  return e;
}

const auth = (e: Emulator): Record<string, string> => ({ 'APCA-API-KEY-ID': e.keys.keyId, 'APCA-API-SECRET-KEY': e.keys.secret });

describe('emulator', () => {
  it('the same seed gives the same market; another seed another one', async () => {
    const a = await emu({ seed: 3 });
    const b = await emu({ seed: 3 });
    const c = await emu({ seed: 4 });
    a.advance(30);
    b.advance(30);
    c.advance(30);
    const bars = (e: Emulator): unknown => e.market.bars('AAPL', 60_000, T0 - 3_600_000, e.market.now);
    expect(bars(a)).toEqual(bars(b));
    expect(bars(a)).not.toEqual(bars(c));
  });

  it('with NYSE hours the clock closes at 16:00 New York time, stock bars stop, day orders expire', async () => {
    const e = await emu({ marketHours: 'nyse', startTime: Date.parse('2024-03-04T20:55:00Z') });
    const res = await fetch(`${e.urls.api}/v2/clock`, { headers: auth(e) });
    expect(await res.json()).toEqual({ timestamp: '2024-03-04T20:55:00.000Z', is_open: true, next_open: '2024-03-05T14:30:00.000Z', next_close: '2024-03-04T21:00:00.000Z' });
    const o = e.submitOrder({ symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', limit_price: '1', time_in_force: 'day' });
    const gtc = e.submitOrder({ symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', limit_price: '1', time_in_force: 'gtc' });
    e.advance(10);
    expect(e.exchange.getOrder(String(o.id))?.status).toBe('expired');
    expect(e.exchange.getOrder(String(gtc.id))?.status).toBe('new');
    expect(e.market.bars('AAPL', 60_000, Date.parse('2024-03-04T21:00:00Z'), e.market.now)).toEqual([]);
    expect(e.market.bars('BTC/USD', 60_000, Date.parse('2024-03-04T21:00:00Z'), e.market.now)).toHaveLength(5);
  });

  it('/__admin drives it over HTTP: state, advance, faults, external positions, duplicate fills, raw messages, stream drops', async () => {
    const e = await emu();
    const admin = (path: string, body?: unknown, method = 'POST'): Promise<Response> =>
      fetch(`${e.urls.admin}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await admin('/advance', { ticks: 3 })).status).toBe(200);
    expect(e.market.now).toBe(T0 + 3 * 60_000);
    expect((await admin('/positions', { symbol: 'MSFT', qty: 7 })).status).toBe(204);
    await admin('/faults', { method: 'GET', path: '/v2/account', status: 503, times: 1 });
    expect((await fetch(`${e.urls.api}/v2/account`, { headers: auth(e) })).status).toBe(503);
    expect((await fetch(`${e.urls.api}/v2/account`, { headers: auth(e) })).status).toBe(200);
    await admin('/faults', { path: '/v2/*', status: 500, times: 5 });
    expect((await admin('/faults', undefined, 'DELETE')).status).toBe(204);
    expect((await fetch(`${e.urls.api}/v2/positions`, { headers: auth(e) })).status).toBe(200);
    await admin('/fills/duplicate', { copies: 2 });
    expect(e.exchange.duplicateFills).toBe(2);
    expect((await admin('/trade-updates/raw', { raw: 'garbage' })).status).toBe(204);
    expect((await admin('/streams/drop', { which: 'data' })).status).toBe(204);
    const state = (await (await fetch(`${e.urls.admin}/state`)).json()) as { positions: { symbol: string; qty: string }[]; now: string };
    expect(state.positions).toEqual([expect.objectContaining({ symbol: 'MSFT', qty: '7' })]);
    expect(state.now).toBe(new Date(T0 + 3 * 60_000).toISOString());
    expect((await admin('/nothing-here')).status).toBe(404);
  });

  it('real-time ticks advance the clock by themselves', async () => {
    const e = await emu({ tickIntervalMs: 20 });
    await waitFor(() => e.market.now >= T0 + 3 * 60_000, 'three ticks');
  });

  it('`npm run emulator` prints its URLs and keys and stops on SIGINT', async () => {
    const root = resolve(import.meta.dirname, '..', '..', '..');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/emulator/main.ts', '--tick-ms', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitFor(() => out.includes('Ctrl+C stops it.'), 'the banner', 20_000);
      const api = /ALPACA_API_BASE_URL=(\S+)/.exec(out)?.[1] as string;
      const keyId = /APCA_API_KEY_ID=(\S+)/.exec(out)?.[1] as string;
      const secret = /APCA_API_SECRET_KEY=(\S+)/.exec(out)?.[1] as string;
      expect(out).toMatch(/ALPACA_DATA_STREAM_URL=ws:\/\/127\.0\.0\.1:\d+/);
      const res = await fetch(`${api}/v2/account`, { headers: { 'APCA-API-KEY-ID': keyId, 'APCA-API-SECRET-KEY': secret } });
      expect(res.status).toBe(200);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('binds loopback only', async () => {
    const e = await startEmulator({ startTime: T0, historyMinutes: 10 });
    open.push(e);
    expect(new URL(e.urls.api).hostname).toBe('127.0.0.1');
    expect(new URL(e.urls.data).hostname).toBe('127.0.0.1');
  });
});
