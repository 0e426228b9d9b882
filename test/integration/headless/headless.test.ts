// The real headless host (dist/headless.cjs: runtime + store + simulator) as a child process on
// a temp data dir: liveness, the token and Origin guards, typed errors for bad frames, real
// results and events, a refused database, and a clean exit on SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerFrame } from '../../../engine/api/contract';

const root = resolve(import.meta.dirname, '../../..');
const bundle = join(root, 'dist', 'headless.cjs');
const TOKEN = 'integration-token-0123456789abcdef';

function newestSourceMtime(): number {
  let newest = 0;
  for (const dir of ['electron', 'engine', 'db']) {
    for (const f of readdirSync(join(root, dir), { recursive: true })) {
      const name = String(f);
      if (/\.(ts|mts|mjs)$/.test(name)) newest = Math.max(newest, statSync(join(root, dir, name)).mtimeMs);
    }
  }
  return newest;
}

/** Builds the hosts when the bundle is missing or older than its sources (about a second). */
function ensureBuilt(): void {
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSourceMtime()) return;
  const r = spawnSync(process.execPath, ['electron/build.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`node electron/build.mjs failed:\n${r.stdout}\n${r.stderr}`);
}

interface Host {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function startHost(args: string[]): Promise<Host> {
  const child = spawn(process.execPath, [bundle, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL printed within 20 s; stderr:\n${err}`));
    }, 20_000);
    const onData = (): void => {
      const m = /^Headless supervisor listening on http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, port: Number(m[1]), stdout: () => out, stderr: () => err, exit });
      }
    };
    child.stdout?.on('data', onData);
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code} before listening; stderr:\n${err}`));
    });
  });
}

function connect(port: number, query: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolvePromise, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`, { headers });
    ws.once('open', () => resolvePromise(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolvePromise(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** Collects frames; `next` waits (bounded) for the first frame matching a predicate. */
function frames(ws: WebSocket) {
  const seen: ServerFrame[] = [];
  const waiters: { match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as ServerFrame;
    seen.push(frame);
    for (const w of [...waiters]) {
      if (w.match(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  return {
    next(match: (f: ServerFrame) => boolean, timeoutMs = 10_000): Promise<ServerFrame> {
      const found = seen.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ match, resolve: (f) => (clearTimeout(timer), resolvePromise(f)) });
      });
    },
  };
}

describe('headless host (dist/headless.cjs)', () => {
  let dataDir: string;
  let host: Host;

  beforeAll(async () => {
    ensureBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'ts-headless-'));
    host = await startHost(['--port', '0', '--data-dir', dataDir, '--token', TOKEN, '--sim-seed', '3', '--sim-speed', '20']);
  }, 60_000);

  afterAll(async () => {
    if (host.child.exitCode === null) {
      host.child.kill('SIGKILL');
      await host.exit;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers GET /healthz with {"ok":true} and no token', async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"ok":true}');
  });

  it('refuses the WebSocket without a token or with a wrong token (401) and from a foreign Origin (403)', async () => {
    expect(await connect(host.port, '')).toBe(401);
    expect(await connect(host.port, '?token=not-the-token')).toBe(401);
    expect(await connect(host.port, `?token=${TOKEN}`, { Origin: 'http://evil.example' })).toBe(403);
  });

  it('answers a malformed frame with a typed error, stays up, and serves a valid request from the engine', async () => {
    const ws = await connect(host.port, `?token=${TOKEN}`, { Origin: `http://127.0.0.1:${host.port}` });
    if (typeof ws === 'number') throw new Error(`refused with ${ws}`);
    const f = frames(ws);
    ws.send('this is not json');
    expect(await f.next((x) => x.kind === 'error')).toMatchObject({ kind: 'error', error: { code: 'invalid_request' } });

    ws.send(JSON.stringify({ kind: 'request', id: 1, channel: 'orders:submit', payload: { symbol: 'AAPL', side: 'buy', qty: -5, type: 'market' } }));
    const invalid = await f.next((x) => x.kind === 'result' && x.id === 1);
    expect(invalid).toMatchObject({ result: { ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/qty/) } } });

    ws.send(JSON.stringify({ kind: 'request', id: 2, channel: 'app:snapshot', payload: {} }));
    const snapshot = await f.next((x) => x.kind === 'result' && x.id === 2);
    expect(snapshot).toMatchObject({ result: { ok: true, value: { mode: 'manual', tradingState: { state: expect.any(String) } } } });

    // the simulator streams: events reach the client without asking
    expect(await f.next((x) => x.kind === 'event')).toMatchObject({ kind: 'event', name: expect.any(String) });
    ws.close();
  });

  it('exits 0 on SIGTERM after printing exactly one line on stdout', async () => {
    host.child.kill('SIGTERM');
    expect(await host.exit).toBe(0);
    expect(host.stdout().trimEnd().split('\n')).toHaveLength(1);
    expect(host.stderr()).toMatch(/runtime stopped cleanly/);
  });
});

describe('headless host refusing to start', () => {
  beforeAll(() => ensureBuilt(), 60_000);

  it('exits 2 with the reason on stderr when the database is not usable, and leaves the file as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-headless-corrupt-'));
    const file = join(dir, 'supervisor.sqlite');
    const garbage = 'this is not a sqlite database '.repeat(200);
    writeFileSync(file, garbage);
    try {
      const child = spawn(process.execPath, [bundle, '--port', '0', '--data-dir', dir, '--token', TOKEN], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      clearTimeout(timer);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/cannot start: .*supervisor\.sqlite/);
      expect(readFileSync(file, 'utf8')).toBe(garbage);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with usage for a non-loopback --host without --allow-remote', () => {
    const r = spawnSync(process.execPath, [bundle, '--host', '0.0.0.0'], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/refusing to listen on "0.0.0.0"[\s\S]*usage:/);
  });
});
