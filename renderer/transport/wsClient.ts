// The Api over the headless host's loopback WebSocket, speaking the wire frames of
// engine/api/contract.ts. Reconnects with backoff; requests in flight when the link drops
// resolve at once with a typed error (their fate on the server is unknown, and the UI says so).
import type {
  ApiError,
  Channel,
  ClientFrame,
  EventName,
  EventTypes,
  RequestInput,
  Result,
  ResultTypes,
  ServerFrame,
} from '../../engine/api/contract';
import { assertNever } from '../assertNever';
import { reconnectDelayMs } from './backoff';
import { disconnectedError, type ApiClient, type ConnectionState } from './connection';

/** The part of the browser's WebSocket this client uses (the `ws` package fits it too). */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: SocketEventLike) => void): void;
}

export interface SocketEventLike {
  data?: unknown;
  code?: number;
  reason?: string;
}

export interface WebSocketClientOptions {
  /** where to connect; null when the page URL carries no token (then `missingUrlReason` is shown) */
  url: string | null;
  missingUrlReason?: string;
  createSocket: (url: string) => WebSocketLike;
  requestTimeoutMs?: number;
  random?: () => number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

interface PendingRequest {
  channel: string;
  resolve: (result: Result<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The `ws://host/ws?token=…` URL for a page served by the headless host, or why there is none. */
export function webSocketUrlFor(location: { protocol: string; host: string; search: string }):
  | { ok: true; url: string }
  | { ok: false; reason: string } {
  const token = new URLSearchParams(location.search).get('token');
  if (!token) {
    return {
      ok: false,
      reason: 'the page URL has no ?token=…; open the exact URL the headless host printed at start',
    };
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return { ok: true, url: `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}` };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function parseApiError(x: unknown): ApiError | null {
  if (!isRecord(x) || typeof x.code !== 'string' || typeof x.message !== 'string') return null;
  // the code comes from our own server; an unknown one is still shown with its message
  return { code: x.code as ApiError['code'], message: x.message };
}

/** Parse point for everything the server sends: returns null for a frame we cannot read. */
export function parseServerFrame(raw: unknown): ServerFrame | null {
  if (typeof raw !== 'string') return null;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isRecord(data)) return null;
  switch (data.kind) {
    case 'result': {
      const result = data.result;
      if (typeof data.id !== 'number' || !isRecord(result) || typeof result.ok !== 'boolean') return null;
      if (result.ok) return { kind: 'result', id: data.id, result: { ok: true, value: result.value } };
      const error = parseApiError(result.error);
      return error ? { kind: 'result', id: data.id, result: { ok: false, error } } : null;
    }
    case 'event':
      if (typeof data.name !== 'string') return null;
      // event payloads are typed by the contract; the name is matched against listeners only
      return { kind: 'event', name: data.name as EventName, payload: data.payload };
    case 'error': {
      const error = parseApiError(data.error);
      return error ? { kind: 'error', error } : null;
    }
    default:
      return null;
  }
}

export function createWebSocketClient(options: WebSocketClientOptions): ApiClient {
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const random = options.random ?? Math.random;
  const target = options.url ? new URL(options.url) : null;
  const where = target ? `${target.host}${target.pathname}` : 'nowhere';

  let state: ConnectionState = {
    transport: 'websocket',
    status: 'connecting',
    attempt: 0,
    retryAt: null,
    detail: options.url ? `connecting to ${where}` : (options.missingUrlReason ?? 'no URL to connect to'),
  };
  const stateListeners = new Set<(s: ConnectionState) => void>();
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  const protocolErrorListeners = new Set<(e: ApiError) => void>();
  const pending = new Map<number, PendingRequest>();
  let socket: WebSocketLike | null = null;
  let nextId = 1;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closedByUser = false;

  function setState(next: ConnectionState): void {
    state = next;
    for (const l of [...stateListeners]) l(state);
  }

  function failPending(detail: string): void {
    const all = [...pending.values()];
    pending.clear();
    for (const p of all) {
      clearTimeout(p.timer);
      p.resolve(disconnectedError(`${detail}; the ${p.channel} request may or may not have been applied`));
    }
  }

  function reportProtocolError(error: ApiError): void {
    for (const l of [...protocolErrorListeners]) l(error);
  }

  function handleFrame(frame: ServerFrame): void {
    switch (frame.kind) {
      case 'result': {
        const p = pending.get(frame.id);
        if (!p) return; // a reply after its timeout: the caller already saw an error
        pending.delete(frame.id);
        clearTimeout(p.timer);
        p.resolve(frame.result);
        return;
      }
      case 'event': {
        const listeners = eventListeners.get(frame.name);
        if (!listeners) return;
        for (const l of [...listeners]) l(frame.payload);
        return;
      }
      case 'error':
        reportProtocolError(frame.error);
        return;
      default:
        assertNever(frame);
    }
  }

  function scheduleReconnect(why: string): void {
    if (closedByUser) return;
    const attempt = state.attempt + 1;
    const delay = reconnectDelayMs(attempt, random);
    setState({ transport: 'websocket', status: 'reconnecting', attempt, retryAt: Date.now() + delay, detail: why });
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  }

  function connect(): void {
    if (closedByUser || !options.url) return;
    if (state.status !== 'connecting') setState({ ...state, status: 'connecting', retryAt: null });
    let opened = false;
    let sock: WebSocketLike;
    try {
      sock = options.createSocket(options.url);
    } catch (e) {
      scheduleReconnect(`could not open a WebSocket to ${where}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    socket = sock;
    sock.addEventListener('open', () => {
      if (socket !== sock) return;
      opened = true;
      setState({ transport: 'websocket', status: 'connected', attempt: 0, retryAt: null, detail: `connected to ${where}` });
    });
    sock.addEventListener('message', (event) => {
      if (socket !== sock) return;
      const frame = parseServerFrame(event.data);
      if (frame) handleFrame(frame);
      else reportProtocolError({ code: 'internal', message: 'the supervisor sent a message this window cannot read' });
    });
    sock.addEventListener('close', (event) => {
      if (socket !== sock) return;
      socket = null;
      const why = opened
        ? `connection to ${where} lost (code ${event.code ?? '?'}${event.reason ? `: ${event.reason}` : ''})`
        : `could not connect to ${where}: is the host running, and is the token in the page URL the one it printed?`;
      failPending(why);
      scheduleReconnect(why);
    });
    // 'error' is always followed by 'close', which does the work
    sock.addEventListener('error', () => undefined);
  }

  const client: ApiClient = {
    connection: {
      get: () => state,
      subscribe(listener) {
        stateListeners.add(listener);
        return () => stateListeners.delete(listener);
      },
    },
    request<C extends Channel>(channel: C, input: RequestInput<C>): Promise<Result<ResultTypes[C]>> {
      const sock = socket;
      if (!sock || state.status !== 'connected') {
        return Promise.resolve(disconnectedError(`${state.detail}; ${channel} was not sent`));
      }
      const id = nextId++;
      const frame: ClientFrame = { kind: 'request', id, channel, payload: input };
      return new Promise<Result<ResultTypes[C]>>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({
            ok: false,
            error: { code: 'internal', message: `no reply from the supervisor to ${channel} within ${requestTimeoutMs / 1000} s` },
          });
        }, requestTimeoutMs);
        // the server answers with the contract's result type for this channel: this is the parse point
        pending.set(id, { channel, resolve: (r) => resolve(r as Result<ResultTypes[C]>), timer });
        try {
          sock.send(JSON.stringify(frame));
        } catch (e) {
          pending.delete(id);
          clearTimeout(timer);
          resolve(disconnectedError(`sending ${channel} failed: ${e instanceof Error ? e.message : String(e)}`));
        }
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventTypes[E]) => void): () => void {
      let set = eventListeners.get(event);
      if (!set) {
        set = new Set();
        eventListeners.set(event, set);
      }
      // payloads of event E are EventTypes[E] by the contract the server implements
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      return () => {
        set.delete(untyped);
      };
    },
    onProtocolError(listener) {
      protocolErrorListeners.add(listener);
      return () => protocolErrorListeners.delete(listener);
    },
    close() {
      closedByUser = true;
      if (retryTimer) clearTimeout(retryTimer);
      const sock = socket;
      socket = null;
      failPending('the window closed its connection');
      sock?.close(1000, 'client closed');
    },
  };

  if (options.url) connect();
  else setState({ ...state, status: 'unavailable', retryAt: null });
  return client;
}
