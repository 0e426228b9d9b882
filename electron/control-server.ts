// The control endpoint: how `cli stop` reaches a running app or headless host. A tiny HTTP
// server, always on 127.0.0.1 (there is no option to bind anything else), on an ephemeral port,
// with a random token; both are recorded in the data directory's lock file (mode 0600), which
// is how the CLI finds them.
//
//   GET  /control/health  -> 200 {"ok":true}   liveness only: no token, no data
//   POST /control/stop    -> 200 StopReport    needs `Authorization: Bearer <token>`;
//                                              body {"flatten"?: boolean}, at most 4 KB
//
// A request carrying an Origin header comes from a browser page and is refused, and the Host
// header must name this server, so no web page can drive it even through DNS rebinding.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiError } from '../engine/api/contract';
import { errorMessage, type HostedEngine, type HostLog } from './hosted-engine';

export const CONTROL_HOST = '127.0.0.1';
export const CONTROL_STOP_PATH = '/control/stop';
export const CONTROL_HEALTH_PATH = '/control/health';
export const CONTROL_MAX_BODY_BYTES = 4096;

export interface ControlServerOptions {
  engine: Pick<HostedEngine, 'dispatch'>;
  log: HostLog;
  /** tests pass a fixed token; hosts leave it to the server, which makes a random one */
  token?: string;
}

export interface ControlServer {
  /** the address actually bound: always 127.0.0.1 */
  readonly address: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** What a stop request may carry. */
export interface ControlStopRequest {
  flatten?: boolean;
}

/** Constant-time token check (hashing makes the lengths equal for timingSafeEqual). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (\S+)$/.exec(header ?? '');
  const presented = m?.[1];
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(token, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Parse point for the stop body: empty means {}; anything else must be exactly {flatten?: boolean}. */
export function parseStopBody(text: string): ControlStopRequest | string {
  if (text.trim() === '') return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return `body is not valid JSON (${errorMessage(e)}); send {} or {"flatten":true}`;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'body must be a JSON object: {} or {"flatten":true}';
  const o = data as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => k !== 'flatten');
  if (unknown.length > 0) return `unknown field ${JSON.stringify(unknown[0])}; the only field is "flatten" (true or false)`;
  if (o.flatten !== undefined && typeof o.flatten !== 'boolean') return '"flatten" must be true or false';
  return o.flatten === undefined ? {} : { flatten: o.flatten };
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const STATUS_FOR: Partial<Record<ApiError['code'], number>> = { invalid_request: 400, unauthorized: 401, halted: 409, conflict: 409 };

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const { engine, log } = opts;
  const token = opts.token ?? randomBytes(32).toString('base64url');
  let port = 0;

  const server = http.createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
    void handle(req, res).catch((e: unknown) => {
      log('error', 'control endpoint failed', e);
      if (!res.headersSent) reply(res, 500, { error: { code: 'internal', message: errorMessage(e) } });
    });
  });
  server.maxConnections = 8;

  /** `close`: a refused request's connection is cut after the answer (Node closes it) instead of reading on. */
  function reply(res: http.ServerResponse, status: number, body: unknown, close = false): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      ...(close ? { Connection: 'close' } : {}),
    });
    res.end(text);
  }
  const fail = (res: http.ServerResponse, status: number, message: string, close = false): void =>
    reply(res, status, { error: { code: status === 401 ? 'unauthorized' : 'invalid_request', message } }, close);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== CONTROL_STOP_PATH && pathname !== CONTROL_HEALTH_PATH) {
      fail(res, 404, `no such endpoint; the control endpoint serves POST ${CONTROL_STOP_PATH} and GET ${CONTROL_HEALTH_PATH}`);
      return;
    }
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `${CONTROL_HOST}:${port}` && host !== `localhost:${port}`) {
      fail(res, 403, `unexpected Host header; call http://${CONTROL_HOST}:${port}${pathname}`);
      return;
    }
    if (req.headers.origin !== undefined) {
      // browsers always send Origin on POST: the control endpoint is for local tools, never a page
      fail(res, 403, 'the control endpoint does not answer web pages');
      return;
    }
    if (pathname === CONTROL_HEALTH_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        fail(res, 405, `use GET ${CONTROL_HEALTH_PATH}`);
        return;
      }
      reply(res, 200, { ok: true });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      fail(res, 405, `use POST ${CONTROL_STOP_PATH}`);
      return;
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      log('warn', 'refused a control request without the right token', { remote: req.socket.remoteAddress });
      fail(res, 401, 'missing or wrong token: send `Authorization: Bearer <controlToken>` from the data directory\'s supervisor.lock', true);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > CONTROL_MAX_BODY_BYTES) {
      fail(res, 413, `body too large (${declared} bytes; at most ${CONTROL_MAX_BODY_BYTES})`, true);
      return;
    }
    let text: string;
    try {
      text = await readBody(req, CONTROL_MAX_BODY_BYTES);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        fail(res, 413, `body too large (at most ${CONTROL_MAX_BODY_BYTES} bytes)`, true);
        return;
      }
      throw e;
    }
    const body = parseStopBody(text);
    if (typeof body === 'string') {
      fail(res, 400, body);
      return;
    }
    log('info', `emergency stop requested through the control endpoint${body.flatten === undefined ? '' : body.flatten ? ' (flatten)' : ' (no flatten)'}`);
    const result = await engine.dispatch('killswitch:engage', { source: 'cli', ...body });
    if (result.ok) reply(res, 200, result.value);
    else reply(res, STATUS_FOR[result.error.code] ?? 500, { error: result.error });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, CONTROL_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => log('error', 'control endpoint server error', e));
  const bound = server.address() as AddressInfo;
  port = bound.port;

  let closing: Promise<void> | null = null;
  return {
    address: bound.address,
    port,
    token,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
