// The control endpoint `cli stop` reaches, over a fake engine: it listens on loopback only,
// answers health without a token or data, refuses a missing or wrong token (401), other paths
// (404), oversized and malformed bodies, browser pages and foreign Host headers, and turns a good
// request into exactly one `killswitch:engage` {source:'cli'} whose report it returns.
import http from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../../engine/api/contract';
import type { StopReport } from '../../../engine/domain/types';
import { CONTROL_MAX_BODY_BYTES, parseStopBody, startControlServer, type ControlServer } from '../../../electron/control-server';

const TOKEN = 'control-test-token-0123456789abcdef';
const report: StopReport = {
  id: 'stop-1',
  source: 'cli',
  flatten: false,
  requestedAt: 1000,
  status: 'confirmed',
  steps: [{ name: 'halt', status: 'done', startedAt: 1000, endedAt: 1001, attempts: 1, detail: 'halted' }],
  openOrdersRemaining: 0,
  positionsRemaining: 0,
  finishedAt: 1010,
};

const calls: { channel: unknown; payload: unknown }[] = [];
let answer: Result<unknown> = { ok: true, value: report };
const engine = {
  dispatch: async (channel: unknown, payload: unknown): Promise<Result<unknown>> => {
    calls.push({ channel, payload });
    return answer;
  },
};

let server: ControlServer;
beforeAll(async () => {
  server = await startControlServer({ engine, log: () => undefined, token: TOKEN });
});
afterAll(() => server.close());
beforeEach(() => {
  calls.length = 0;
  answer = { ok: true, value: report };
});

interface Reply {
  status: number;
  body: string;
}

/** A raw request, so headers (Host, Origin, chunked bodies) are exactly what the test says. */
function call(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer[] }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method: opts.method ?? 'POST', path: opts.path, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    if (Array.isArray(opts.body)) {
      for (const chunk of opts.body) req.write(chunk);
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

const auth = { Authorization: `Bearer ${TOKEN}` };

describe('control endpoint', () => {
  it('listens on 127.0.0.1 only (not on the machine\'s other addresses), with a random token when none is given', async () => {
    expect(server.address).toBe('127.0.0.1');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && !i.internal && i.family === 'IPv4');
    if (external !== undefined) {
      const refused = await new Promise<string>((resolve) => {
        const socket = connect({ host: external.address, port: server.port });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    }
    const a = await startControlServer({ engine, log: () => undefined });
    const b = await startControlServer({ engine, log: () => undefined });
    try {
      expect(a.token).not.toBe(b.token);
      expect(a.token.length).toBeGreaterThanOrEqual(32);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('answers GET /control/health with 200 and no data, without a token', async () => {
    const r = await call({ method: 'GET', path: '/control/health' });
    expect(r).toEqual({ status: 200, body: '{"ok":true}' });
    expect(calls).toHaveLength(0);
  });

  it('refuses a stop without the token or with a wrong one (401) and never reaches the engine', async () => {
    expect((await call({ path: '/control/stop', body: '{}' })).status).toBe(401);
    expect((await call({ path: '/control/stop', headers: { Authorization: `Bearer ${TOKEN}x` }, body: '{}' })).status).toBe(401);
    expect((await call({ path: '/control/stop', headers: { Authorization: TOKEN }, body: '{}' })).status).toBe(401);
    const r = await call({ path: '/control/stop', headers: { Authorization: 'Bearer nope' }, body: '{}' });
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'unauthorized', message: expect.stringMatching(/Bearer/) } });
    expect(calls).toHaveLength(0);
  });

  it('answers 404 for any other path, token or not', async () => {
    expect((await call({ path: '/control/stop/', headers: auth })).status).toBe(404);
    expect((await call({ method: 'GET', path: '/' })).status).toBe(404);
    expect((await call({ path: '/control/rearm', headers: auth, body: '{}' })).status).toBe(404);
    expect(calls).toHaveLength(0);
  });

  it('refuses a body over 4 KB, declared or streamed in chunks (413)', async () => {
    const big = JSON.stringify({ flatten: true, pad: 'x'.repeat(CONTROL_MAX_BODY_BYTES) });
    const declared = await call({ path: '/control/stop', headers: { ...auth, 'Content-Type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    const chunk = Buffer.alloc(1024, 0x20);
    const streamed = await call({ path: '/control/stop', headers: { ...auth, 'Transfer-Encoding': 'chunked' }, body: [chunk, chunk, chunk, chunk, chunk] });
    expect(streamed.status).toBe(413);
    expect(calls).toHaveLength(0);
  });

  it('refuses malformed bodies with a message saying what to send (400)', async () => {
    for (const body of ['{', '[]', '{"flatten":"yes"}', '{"flatten":true,"source":"ui"}']) {
      const r = await call({ path: '/control/stop', headers: auth, body });
      expect(r.status, body).toBe(400);
      expect(JSON.parse(r.body), body).toMatchObject({ error: { code: 'invalid_request' } });
    }
    expect(calls).toHaveLength(0);
  });

  it('refuses browser pages (an Origin header) and foreign Host headers (403), even with the token', async () => {
    expect((await call({ path: '/control/stop', headers: { ...auth, Origin: 'http://evil.example' }, body: '{}' })).status).toBe(403);
    expect((await call({ path: '/control/stop', headers: { ...auth, Host: `evil.example:${server.port}` }, body: '{}' })).status).toBe(403);
    expect(calls).toHaveLength(0);
  });

  it('engages the kill switch from the cli with the flatten asked for, and answers the report', async () => {
    const r = await call({ path: '/control/stop', headers: auth, body: '{"flatten":true}' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(report);
    const empty = await call({ path: '/control/stop', headers: auth });
    expect(empty.status).toBe(200);
    expect(calls).toEqual([
      { channel: 'killswitch:engage', payload: { source: 'cli', flatten: true } },
      { channel: 'killswitch:engage', payload: { source: 'cli' } },
    ]);
  });

  it('passes an engine refusal on with its code and message', async () => {
    answer = { ok: false, error: { code: 'internal', message: 'store is gone' } };
    const r = await call({ path: '/control/stop', headers: auth, body: '{}' });
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toEqual({ error: { code: 'internal', message: 'store is gone' } });
  });

  it('allows only POST on the stop path and GET on health (405)', async () => {
    expect((await call({ method: 'GET', path: '/control/stop', headers: auth })).status).toBe(405);
    expect((await call({ method: 'POST', path: '/control/health', body: '{}' })).status).toBe(405);
    expect(calls).toHaveLength(0);
  });
});

describe('parseStopBody', () => {
  it('accepts {} or an empty body and a boolean flatten, nothing else', () => {
    expect(parseStopBody('')).toEqual({});
    expect(parseStopBody('{"flatten":false}')).toEqual({ flatten: false });
    expect(parseStopBody('{"flatten":1}')).toMatch(/true or false/);
    expect(parseStopBody('{"x":1}')).toMatch(/unknown field "x"/);
  });
});
