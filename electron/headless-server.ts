// The headless transport: the built renderer and the typed API over a WebSocket, on loopback.
// Guards, in the order a connection meets them: the Host header must name this server (a DNS
// rebinding page cannot pass), the WebSocket needs the token (compared in constant time) and an
// Origin that is this server's own (or none, for non-browser clients), frames are capped at
// WIRE_MAX_FRAME_BYTES, and a client that stops reading is dropped instead of buffered forever.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  err,
  WIRE_MAX_FRAME_BYTES,
  type ApiError,
  type AppMetrics,
  type EngineEvent,
  type Result,
  type ServerFrame,
  type TransportMetrics,
} from '../engine/api/contract';
import { eventForWatch, watchKey, watchSetBy, type BarWatch } from './bar-watch';
import { LiveBarPacer } from './live-bar-pacing';
import { contentSecurityPolicy, securityHeaders } from './csp';
import { errorMessage, type HostedEngine, type HostLog } from './hosted-engine';
import { contentTypeFor, resolveStaticPath } from './static-files';

export interface HeadlessServerOptions {
  engine: HostedEngine;
  host: string;
  port: number;
  token: string;
  rendererDir: string;
  /** with --allow-remote the Host header is not pinned to loopback names */
  allowRemote?: boolean;
  log: HostLog;
  maxClients?: number;
  /** a client whose unsent bytes exceed this is disconnected */
  maxBufferedBytes?: number;
  /** a client with more unsent bytes than this is sent no live bars until it catches up */
  barSkipBytes?: number;
  maxInFlightPerClient?: number;
  heartbeatMs?: number;
  /** live bars leave at most this far apart (default LIVE_BAR_FRAME_MS; 0 sends each turn's bars at once) */
  liveBarFrameMs?: number;
}

export interface HeadlessServer {
  readonly port: number;
  /** the page URL, token included */
  readonly url: string;
  clientCount(): number;
  close(): Promise<void>;
}

export class HeadlessListenError extends Error {}

export const DEFAULT_MAX_CLIENTS = 16;
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
export const DEFAULT_BAR_SKIP_BYTES = 1024 * 1024;
export const DEFAULT_MAX_IN_FLIGHT = 64;

/** Constant-time comparison of a presented token with the real one (hashing equalizes lengths). */
export function tokensMatch(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && presented.length === expected.length;
}

export type DecodedFrame =
  | { ok: true; id: number; channel: string; payload: unknown }
  | { ok: false; id: number | null; error: ApiError };

/** Parse point for client frames: anything not a well-formed request frame becomes a typed error. */
export function decodeClientFrame(text: string): DecodedFrame {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, id: null, error: { code: 'invalid_request', message: `frame is not valid JSON (${errorMessage(e)}); send {"kind":"request","id":1,"channel":"app:snapshot","payload":{}}` } };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, id: null, error: { code: 'invalid_request', message: 'frame must be a JSON object {kind, id, channel, payload}' } };
  }
  const frame = data as Record<string, unknown>;
  const id = typeof frame.id === 'number' && Number.isSafeInteger(frame.id) ? frame.id : null;
  if (frame.kind !== 'request') {
    return { ok: false, id, error: { code: 'invalid_request', message: `frame kind must be "request", got ${describeKind(frame.kind)}` } };
  }
  if (id === null) {
    return { ok: false, id: null, error: { code: 'invalid_request', message: 'request frame needs an integer "id" to match its result' } };
  }
  if (typeof frame.channel !== 'string') {
    return { ok: false, id, error: { code: 'invalid_request', message: 'request frame needs a string "channel", e.g. "app:snapshot"' } };
  }
  return { ok: true, id, channel: frame.channel, payload: frame.payload };
}

/**
 * The client's "kind", shown short: never the whole value, which may be 60 KB of text or an array
 * nested 30,000 deep (JSON.stringify of that overflows the stack and would take the host down).
 */
function describeKind(kind: unknown): string {
  if (kind === undefined) return 'nothing';
  if (typeof kind === 'string') return JSON.stringify(kind.length > 40 ? `${kind.slice(0, 40)}…` : kind);
  if (kind === null) return 'null';
  if (Array.isArray(kind)) return 'an array';
  return typeof kind === 'object' ? 'an object' : `a ${typeof kind}`;
}

function loopbackAuthorities(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function rejectUpgrade(socket: Duplex, status: number, reason: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

interface ClientState {
  alive: boolean;
  watch: BarWatch;
  /** its live bars, paced (live-bar-pacing.ts) */
  bars: LiveBarPacer;
}

export async function startHeadlessServer(opts: HeadlessServerOptions): Promise<HeadlessServer> {
  const { engine, log } = opts;
  const maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS;
  const maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const barSkip = opts.barSkipBytes ?? DEFAULT_BAR_SKIP_BYTES;
  let barFramesSkipped = 0;
  const maxInFlight = opts.maxInFlightPerClient ?? DEFAULT_MAX_IN_FLIGHT;
  const heartbeatMs = opts.heartbeatMs ?? 30_000;
  /** per client: whether it answered the last ping, and the symbols whose live bars it wants */
  const clients = new Map<WebSocket, ClientState>();
  let port = opts.port;
  let headers: Record<string, string> = {};

  /** Host headers this server answers to: its own names only, unless remote access was asked for. */
  const hostAllowed = (hostHeader: string | undefined): boolean => {
    if (hostHeader === undefined) return false;
    if (opts.allowRemote) return true;
    return [...loopbackAuthorities(port), `${hostForUrl(opts.host)}:${port}`].includes(hostHeader.toLowerCase());
  };

  const server = http.createServer((req, res) => {
    void handleHttp(req, res);
  });

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: string | Uint8Array, type: string, extra: Record<string, string> = {}): void => {
      res.writeHead(status, { ...headers, 'Content-Type': type, 'Cache-Control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const text = 'text/plain; charset=utf-8';
    if (!hostAllowed(req.headers.host)) {
      send(403, `unexpected Host header; open http://${hostForUrl(opts.host)}:${port}/ as printed at start\n`, text);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'method not allowed\n', text, { Allow: 'GET, HEAD' });
      return;
    }
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/healthz') {
      send(200, '{"ok":true}', 'application/json');
      return;
    }
    if (pathname === '/ws') {
      send(426, 'this endpoint speaks WebSocket only\n', text, { Upgrade: 'websocket' });
      return;
    }
    const file = resolveStaticPath(opts.rendererDir, pathname);
    if (file === null) {
      send(404, 'not found\n', text);
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': contentTypeFor(file), 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      if (file.endsWith('index.html')) {
        send(503, `the renderer is not built (no ${file}); run \`npm run build\` and reload\n`, text);
      } else {
        send(404, 'not found\n', text);
      }
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: WIRE_MAX_FRAME_BYTES, clientTracking: false });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') {
      rejectUpgrade(socket, 404, 'Not Found', 'the API WebSocket is at /ws');
      return;
    }
    if (!hostAllowed(req.headers.host)) {
      rejectUpgrade(socket, 403, 'Forbidden', 'unexpected Host header');
      return;
    }
    if (!tokensMatch(url.searchParams.get('token'), opts.token)) {
      log('warn', 'refused a WebSocket without the right token', { remote: req.socket.remoteAddress });
      rejectUpgrade(socket, 401, 'Unauthorized', 'missing or wrong token: use the URL the headless host printed at start');
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) {
      log('warn', 'refused a WebSocket from a foreign origin', { origin: origin.slice(0, 200) });
      rejectUpgrade(socket, 403, 'Forbidden', 'WebSocket origin must be this server itself');
      return;
    }
    if (clients.size >= maxClients) {
      rejectUpgrade(socket, 503, 'Service Unavailable', `too many clients (at most ${maxClients}); close another window`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  /** Sends, or drops a client that is not reading: the engine never waits for a slow browser. */
  function sendRaw(ws: WebSocket, data: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > maxBuffered) {
      log('warn', `dropping a client with ${ws.bufferedAmount} bytes unsent (limit ${maxBuffered})`);
      clients.delete(ws);
      ws.terminate();
      return;
    }
    ws.send(data);
  }

  const sendFrame = (ws: WebSocket, frame: ServerFrame): void => sendRaw(ws, JSON.stringify(frame));

  const transportMetrics = (): TransportMetrics => {
    let maxBufferedBytes = 0;
    for (const ws of clients.keys()) maxBufferedBytes = Math.max(maxBufferedBytes, ws.bufferedAmount);
    return { clients: clients.size, maxBufferedBytes, barFramesSkipped };
  };

  function onConnection(ws: WebSocket): void {
    const bars = new LiveBarPacer((event) => {
      // Live bars are the bulk of the stream and the one part that may be left out: a client
      // this far behind (a busy page at full simulator speed) skips them until it catches up
      // rather than being cut off (its chart reloads history on the next symbol or reconnect).
      // Everything else is always sent, and a client that stops reading is still dropped.
      if (ws.bufferedAmount > barSkip) {
        barFramesSkipped++;
        return;
      }
      sendFrame(ws, { kind: 'event', name: event.name, payload: event.payload });
    }, { frameMs: opts.liveBarFrameMs });
    const state: ClientState = { alive: true, watch: null, bars };
    clients.set(ws, state);
    let inFlight = 0;
    ws.on('pong', () => {
      state.alive = true;
    });
    ws.on('close', () => {
      bars.stop();
      clients.delete(ws);
    });
    ws.on('error', (e) => {
      log('warn', 'WebSocket client error', e);
      clients.delete(ws);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        sendFrame(ws, { kind: 'error', error: { code: 'invalid_request', message: 'binary frames are not accepted; send JSON text frames' } });
        return;
      }
      const decoded = decodeClientFrame(rawToString(data));
      if (!decoded.ok) {
        sendFrame(ws, decoded.id === null ? { kind: 'error', error: decoded.error } : { kind: 'result', id: decoded.id, result: { ok: false, error: decoded.error } });
        return;
      }
      if (inFlight >= maxInFlight) {
        sendFrame(ws, {
          kind: 'result',
          id: decoded.id,
          result: err('invalid_request', `too many requests in flight (at most ${maxInFlight}); wait for results before sending more`),
        });
        return;
      }
      inFlight++;
      void dispatch(decoded.channel, decoded.payload).then((result) => {
        inFlight--;
        state.watch = watchSetBy(decoded.channel, result) ?? state.watch;
        sendFrame(ws, { kind: 'result', id: decoded.id, result });
      });
    });
  }

  async function dispatch(channel: string, payload: unknown): Promise<Result<unknown>> {
    try {
      const result = await engine.dispatch(channel, payload);
      // app:metrics: the transport's own queues (bytes waiting for each client) complete it
      if (channel === 'app:metrics' && result.ok) return { ok: true, value: { ...(result.value as AppMetrics), transport: transportMetrics() } };
      return result;
    } catch (e) {
      log('error', 'engine dispatch threw', e);
      return err('internal', `the engine failed while handling the request: ${errorMessage(e)}`);
    }
  }

  function fanOut(event: EngineEvent): void {
    if (clients.size === 0) return;
    if (event.name === 'bars:tick') {
      // cut once per distinct watch; each client's pacer sends (and serializes) its own frames
      const views = new Map<string, EngineEvent | null>();
      for (const state of clients.values()) {
        const key = watchKey(state.watch);
        let view = views.get(key);
        if (view === undefined) views.set(key, (view = eventForWatch(event, state.watch)));
        if (view !== null && view.name === 'bars:tick') state.bars.offer(view);
      }
      return;
    }
    // everything else: serialized once, sent to every client at once (a fill after its bars)
    const data = JSON.stringify({ kind: 'event', name: event.name, payload: event.payload } satisfies ServerFrame);
    for (const [ws, state] of [...clients]) {
      if (event.name === 'fills:new') state.bars.flush();
      sendRaw(ws, data);
    }
  }

  const unsubscribe = engine.subscribe(fanOut);

  // a client that vanished without a close frame (sleep, cable) is found by a missed pong
  const heartbeat = setInterval(() => {
    for (const [ws, state] of [...clients]) {
      if (!state.alive) {
        clients.delete(ws);
        ws.terminate();
      } else if (ws.readyState === WebSocket.OPEN) {
        state.alive = false;
        ws.ping();
      }
    }
  }, heartbeatMs);
  heartbeat.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    clearInterval(heartbeat);
    unsubscribe();
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? `port ${opts.port} on ${opts.host} is already in use: choose another --port, or --port 0 for a free one`
        : code === 'EADDRNOTAVAIL'
          ? `${opts.host} is not an address of this machine`
          : errorMessage(e);
    throw new HeadlessListenError(`cannot listen on ${opts.host}:${opts.port}: ${why}`);
  }
  server.on('error', (e) => log('error', 'HTTP server error', e));
  port = (server.address() as AddressInfo).port;
  const urlHost = hostForUrl(opts.host);
  headers = securityHeaders(
    contentSecurityPolicy({ connectSrc: [...new Set([`ws://${urlHost}:${port}`, `ws://127.0.0.1:${port}`, `ws://localhost:${port}`])] }),
  );

  let closing: Promise<void> | null = null;
  return {
    port,
    url: `http://${urlHost}:${port}/?token=${encodeURIComponent(opts.token)}`,
    clientCount: () => clients.size,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        unsubscribe();
        const goodbyes = [...clients.keys()].map(
          (ws) =>
            new Promise<void>((resolve) => {
              ws.once('close', () => resolve());
              ws.close(1001, 'server shutting down');
            }),
        );
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // give clients a moment to answer the close frame, then cut whatever is left
        await Promise.race([Promise.all(goodbyes), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
        for (const ws of clients.keys()) ws.terminate();
        clients.clear();
        server.closeAllConnections();
        wss.close();
        await closed;
      })();
      return closing;
    },
  };
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
