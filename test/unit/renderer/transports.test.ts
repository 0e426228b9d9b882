// The transports. WebSocket against a real `ws` server on loopback: request/result matching,
// events, typed failure of in-flight requests when the link drops, and reconnection. IPC: a
// rejected invoke becomes the same typed failure.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import type { ClientFrame, ServerFrame } from '../../../engine/api/contract';
import type { ApiClient, ConnectionState } from '../../../renderer/transport/connection';
import { createIpcClient } from '../../../renderer/transport/ipcClient';
import { createWebSocketClient, parseServerFrame, webSocketUrlFor, type WebSocketLike } from '../../../renderer/transport/wsClient';
import { snapshot } from './fixtures';

interface TestServer {
  wss: WebSocketServer;
  port: number;
  received: ClientFrame[];
}

async function startServer(port = 0, onRequest?: (frame: ClientFrame, reply: (f: ServerFrame) => void) => void): Promise<TestServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const received: ClientFrame[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ClientFrame;
      received.push(frame);
      onRequest?.(frame, (f) => ws.send(JSON.stringify(f)));
    });
  });
  return { wss, port: (wss.address() as AddressInfo).port, received };
}

async function stopServer(s: TestServer): Promise<void> {
  for (const c of s.wss.clients) c.terminate();
  await new Promise<void>((r) => s.wss.close(() => r()));
}

function nodeSocket(url: string): WebSocketLike {
  // the `ws` client implements the browser WebSocket's addEventListener/send/close
  return new NodeWebSocket(url) as unknown as WebSocketLike;
}

function waitForStatus(client: ApiClient, status: ConnectionState['status'], timeoutMs = 5000): Promise<ConnectionState> {
  return new Promise((resolve, reject) => {
    if (client.connection.get().status === status) return resolve(client.connection.get());
    const timer = setTimeout(() => reject(new Error(`no "${status}" within ${timeoutMs} ms; last: ${JSON.stringify(client.connection.get())}`)), timeoutMs);
    const off = client.connection.subscribe((s) => {
      if (s.status === status) {
        clearTimeout(timer);
        off();
        resolve(s);
      }
    });
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** Wait (bounded, 3 s) until `cond` holds, then a little longer so that anything extra shows. */
async function settle(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
}

describe('webSocketUrlFor', () => {
  it('builds the /ws URL with the page token, and refuses a page without one', () => {
    expect(webSocketUrlFor({ protocol: 'http:', host: '127.0.0.1:8123', search: '?token=a%2Bb' })).toEqual({
      ok: true,
      url: 'ws://127.0.0.1:8123/ws?token=a%2Bb',
    });
    const missing = webSocketUrlFor({ protocol: 'http:', host: '127.0.0.1:8123', search: '' });
    expect(missing.ok).toBe(false);
  });
});

describe('parseServerFrame', () => {
  it('reads results, errors and events, and returns null for anything else', () => {
    expect(parseServerFrame('{"kind":"result","id":3,"result":{"ok":true,"value":1}}')).toEqual({ kind: 'result', id: 3, result: { ok: true, value: 1 } });
    expect(parseServerFrame('{"kind":"result","id":3,"result":{"ok":false,"error":{"code":"halted","message":"no"}}}')).toEqual({
      kind: 'result',
      id: 3,
      result: { ok: false, error: { code: 'halted', message: 'no' } },
    });
    expect(parseServerFrame('{"kind":"event","name":"fills:new","payload":{}}')?.kind).toBe('event');
    for (const bad of ['nope', '[]', '{"kind":"result","id":"3","result":{"ok":true}}', '{"kind":"result","id":1,"result":{"ok":false}}', '{"kind":"other"}', 42]) {
      expect(parseServerFrame(bad)).toBeNull();
    }
  });
});

describe('WebSocket client', () => {
  it('matches results to requests by id and delivers events to their listeners', async () => {
    const server = await startServer(0, (frame, reply) => {
      if (frame.channel === 'app:snapshot') reply({ kind: 'result', id: frame.id, result: { ok: true, value: snapshot() } });
      else reply({ kind: 'result', id: frame.id, result: { ok: false, error: { code: 'not_found', message: `no ${frame.channel}` } } });
      reply({ kind: 'event', name: 'audit:appended', payload: { id: frame.id, at: 0, kind: 'signal', message: 'x', data: null } });
    });
    cleanups.push(() => stopServer(server));
    const client = createWebSocketClient({ url: `ws://127.0.0.1:${server.port}/ws?token=t`, createSocket: nodeSocket });
    cleanups.push(() => client.close());
    const audit: number[] = [];
    client.on('audit:appended', (e) => audit.push(e.id));
    await waitForStatus(client, 'connected');
    const [snap, missing] = await Promise.all([client.request('app:snapshot', {}), client.request('orders:cancel', { clientOrderId: 'x' })]);
    expect(snap.ok && snap.value.mode).toBe('manual');
    expect(missing).toEqual({ ok: false, error: { code: 'not_found', message: 'no orders:cancel' } });
    expect(server.received.map((f) => [f.kind, f.channel, f.payload])).toEqual([
      ['request', 'app:snapshot', {}],
      ['request', 'orders:cancel', { clientOrderId: 'x' }],
    ]);
    await settle(() => audit.length >= 2);
    expect(audit.sort()).toEqual([1, 2]);
  });

  it('fails requests in flight with a typed error when the link drops, then reconnects', async () => {
    // the server never answers: requests stay in flight until the link drops
    const server = await startServer(0);
    const port = server.port;
    const client = createWebSocketClient({ url: `ws://127.0.0.1:${port}/ws?token=t`, createSocket: nodeSocket, random: () => 0 });
    cleanups.push(() => client.close());
    await waitForStatus(client, 'connected');
    const inFlight = client.request('killswitch:engage', { source: 'ui' });
    await new Promise((r) => setTimeout(r, 50));
    await stopServer(server);
    const result = await inFlight;
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('disconnected');
      expect(result.error.message).toMatch(/may or may not have been applied/);
    }
    const down = await waitForStatus(client, 'reconnecting');
    expect(down.attempt).toBeGreaterThanOrEqual(1);
    // while down, a request is refused at once rather than queued
    const refused = await client.request('app:snapshot', {});
    expect(refused.ok).toBe(false);
    const again = await startServer(port, (frame, reply) => reply({ kind: 'result', id: frame.id, result: { ok: true, value: 'back' } }));
    cleanups.push(() => stopServer(again));
    const up = await waitForStatus(client, 'connected', 8000);
    expect(up.attempt).toBe(0);
    const after = await client.request('readiness:get', {});
    expect(after).toEqual({ ok: true, value: 'back' });
  });

  it('times out a request the server never answers', async () => {
    const server = await startServer(0);
    cleanups.push(() => stopServer(server));
    const client = createWebSocketClient({ url: `ws://127.0.0.1:${server.port}/ws?token=t`, createSocket: nodeSocket, requestTimeoutMs: 100 });
    cleanups.push(() => client.close());
    await waitForStatus(client, 'connected');
    const result = await client.request('app:snapshot', {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/no reply/);
  });

  it('reports unreadable frames and server error frames as protocol errors', async () => {
    const server = await startServer(0);
    cleanups.push(() => stopServer(server));
    server.wss.on('connection', (ws) => {
      ws.send('not json');
      ws.send(JSON.stringify({ kind: 'error', error: { code: 'invalid_request', message: 'frame too big' } }));
    });
    const client = createWebSocketClient({ url: `ws://127.0.0.1:${server.port}/ws?token=t`, createSocket: nodeSocket });
    cleanups.push(() => client.close());
    const errors: string[] = [];
    client.onProtocolError((e) => errors.push(e.message));
    await waitForStatus(client, 'connected');
    await settle(() => errors.length >= 2);
    expect(errors).toEqual(['the supervisor sent a message this window cannot read', 'frame too big']);
  });

  it('does not try to connect without a URL and says why', async () => {
    const client = createWebSocketClient({ url: null, missingUrlReason: 'no token in the page URL', createSocket: nodeSocket });
    expect(client.connection.get()).toMatchObject({ status: 'unavailable', detail: 'no token in the page URL' });
    const result = await client.request('app:snapshot', {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/no token in the page URL/);
  });
});

describe('IPC client', () => {
  it('turns a rejected IPC call into a typed error result, like the WebSocket transport', async () => {
    const client = createIpcClient({
      request: () => Promise.reject(new Error('An object could not be cloned.')),
      on: () => () => undefined,
    });
    expect(client.connection.get().status).toBe('connected');
    const result = await client.request('app:snapshot', {});
    expect(result).toEqual({ ok: false, error: { code: 'internal', message: 'app:snapshot failed in the application: An object could not be cloned.' } });
  });
});
