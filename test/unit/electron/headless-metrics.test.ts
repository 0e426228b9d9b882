// The headless transport completes app:metrics with its own queue: bytes waiting for each client.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { AppMetrics, EngineEvent, Result } from '../../../engine/api/contract';
import { startHeadlessServer, type HeadlessServer } from '../../../electron/headless-server';

const TOKEN = 'metrics-token-0123456789';
const engineMetrics: AppMetrics = {
  at: 1,
  engine: { pendingWrites: 0, pendingPublishes: 0, barBuffer: 7, approvals: 0, alerts: 0, openOrders: 0, recentOrderTimes: 0, listeners: 1 },
  host: null,
  transport: null,
};

let server: HeadlessServer | null = null;
let dir: string | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('app:metrics through the headless host', () => {
  it('adds the transport section (clients, largest unsent buffer); other channels pass untouched', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ts-metrics-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    const engine = {
      dispatch: vi.fn(async (channel: unknown): Promise<Result<unknown>> => (channel === 'app:metrics' ? { ok: true, value: engineMetrics } : { ok: true, value: 'other' })),
      subscribe: (_l: (e: EngineEvent) => void) => () => undefined,
    };
    server = await startHeadlessServer({ engine, host: '127.0.0.1', port: 0, token: TOKEN, rendererDir: dir, log: vi.fn() });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${TOKEN}`);
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    const ask = (id: number, channel: string) =>
      new Promise<Result<unknown>>((resolve) => {
        ws.on('message', (d: Buffer) => {
          const f = JSON.parse(d.toString()) as { id: number; result: Result<unknown> };
          if (f.id === id) resolve(f.result);
        });
        ws.send(JSON.stringify({ kind: 'request', id, channel, payload: {} }));
      });
    const m = await ask(1, 'app:metrics');
    expect(m).toEqual({ ok: true, value: { ...engineMetrics, transport: { clients: 1, maxBufferedBytes: 0, barFramesSkipped: 0 } } });
    expect(await ask(2, 'app:snapshot')).toEqual({ ok: true, value: 'other' });
    ws.terminate();
  });

  it('leaves live bars out for a client that is behind instead of cutting it off; other events still reach it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ts-metrics-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    const listeners = new Set<(e: EngineEvent) => void>();
    const engine = {
      dispatch: vi.fn(async (): Promise<Result<unknown>> => ({ ok: true, value: engineMetrics })),
      subscribe: (l: (e: EngineEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
    };
    const emit = (e: EngineEvent) => listeners.forEach((l) => l(e));
    server = await startHeadlessServer({ engine, host: '127.0.0.1', port: 0, token: TOKEN, rendererDir: dir, log: vi.fn(), maxBufferedBytes: 512 * 1024, barSkipBytes: 64 * 1024, liveBarFrameMs: 0 });
    const open = async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${server!.port}/ws?token=${TOKEN}`);
      await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
      return ws;
    };
    const behind = await open();
    const healthy = await open();
    let healthyBars = 0;
    healthy.on('message', (d: Buffer) => d.toString().includes('"bars:tick"') && healthyBars++);
    (behind as unknown as { _socket: { pause(): void } })._socket.pause();
    const bar = { t: 0, o: 1, h: 1, l: 1, c: 1, v: 1 };
    const ticks = Array.from({ length: 400 }, (_, i) => ({ symbol: `S${i}`, bar }));
    for (let i = 0; i < 400; i++) {
      emit({ name: 'bars:tick', payload: { timeframe: '1Min', ticks } });
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    // 400 frames of ~20 KB: far past the 512 KB limit had they all been queued
    expect(server.clientCount()).toBe(2);
    await vi.waitFor(() => expect(healthyBars).toBe(400));
    const ask = new Promise<{ transport: { barFramesSkipped: number; maxBufferedBytes: number } }>((resolve) => {
      healthy.on('message', (d: Buffer) => {
        const f = JSON.parse(d.toString()) as { kind: string; result?: { value: { transport: { barFramesSkipped: number; maxBufferedBytes: number } } } };
        if (f.kind === 'result' && f.result) resolve(f.result.value);
      });
      healthy.send(JSON.stringify({ kind: 'request', id: 1, channel: 'app:metrics', payload: {} }));
    });
    const m = await ask;
    expect(m.transport.barFramesSkipped).toBeGreaterThan(100); // the rest filled the kernel socket buffers first
    expect(m.transport.maxBufferedBytes).toBeLessThan(512 * 1024);
    // what is not market data still goes out, and a client that never reads is still dropped
    const message = 'x'.repeat(20_000);
    for (let i = 0; i < 200 && server.clientCount() === 2; i++) {
      emit({ name: 'audit:appended', payload: { id: i + 1, at: 0, kind: 'signal', message, data: null } });
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(server.clientCount()).toBe(1);
    healthy.terminate();
    behind.terminate();
  });
});
