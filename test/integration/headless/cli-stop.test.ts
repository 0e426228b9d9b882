// `cli stop` end to end, with the real CLI (`node --import tsx electron/cli.ts`):
// (a) a real headless host (dist/headless.cjs) holds resting orders; the CLI reaches it through
//     its control endpoint, the report is confirmed, the host is halted with zero open orders and
//     keeps running, and a second host on the same directory is refused naming the first one's pid;
// (b) nothing runs on a directory left with open orders (and a stale lock): the CLI latches the
//     store halted and cancels at the simulated broker itself, as a fresh start then shows.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerFrame } from '../../../engine/api/contract';
import type { StopReport } from '../../../engine/domain/types';
import type { StatusReport } from '../../../electron/cli-status';
import { startRuntime } from '../../../electron/runtime';
import { LOCK_FILE_NAME } from '../../../electron/runtime-lock';

const root = resolve(import.meta.dirname, '../../..');
const bundle = join(root, 'dist', 'headless.cjs');
const TOKEN = 'cli-stop-integration-token-0123456789';

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

/** Builds the hosts when the bundle is missing or older than its sources. */
function ensureBuilt(): void {
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSourceMtime()) return;
  const r = spawnSync(process.execPath, ['electron/build.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`node electron/build.mjs failed:\n${r.stdout}\n${r.stderr}`);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], execArgs: string[] = []): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...execArgs, file, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

const cli = (args: string[]): Promise<Run> => run('electron/cli.ts', args, ['--import', 'tsx']);

async function status(dataDir: string): Promise<StatusReport> {
  const r = await cli(['status', '--data-dir', dataDir, '--json']);
  if (r.code !== 0) throw new Error(`cli status failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusReport;
}

interface Host {
  child: ChildProcess;
  port: number;
  exit: Promise<number | null>;
}

function startHost(dataDir: string): Promise<Host> {
  const child = spawn(process.execPath, [bundle, '--port', '0', '--data-dir', dataDir, '--sim-speed', '50', '--token', TOKEN], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    child.stdout?.on('data', () => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, port: Number(m[1]), exit });
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code} before listening; stderr:\n${err}`));
    });
  });
}

/** Sends API requests over the host's WebSocket and returns their results in order. */
async function request(port: number, requests: { channel: string; payload: unknown }[]): Promise<unknown[]> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${TOKEN}`);
  await new Promise<void>((r, j) => {
    ws.once('open', () => r());
    ws.once('error', j);
  });
  const results = new Map<number, unknown>();
  const done = new Promise<void>((r) => {
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as ServerFrame;
      if (frame.kind === 'result') {
        results.set(frame.id, frame.result);
        if (results.size === requests.length) r();
      }
    });
  });
  requests.forEach((req, i) => ws.send(JSON.stringify({ kind: 'request', id: i + 1, channel: req.channel, payload: req.payload })));
  await done;
  ws.close();
  return requests.map((_, i) => results.get(i + 1));
}

/** A resting buy far below the market: it stays open until cancelled. */
const restingBuy = { channel: 'orders:submit', payload: { symbol: 'SPY', side: 'buy', qty: 1, type: 'limit', limitPrice: 1 } };

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ts-cli-stop-int-'));
  dirs.push(d);
  return d;
}

beforeAll(() => ensureBuilt(), 90_000);
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('cli stop reaches a running headless host', () => {
  let host: Host;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    host = await startHost(dir);
  }, 30_000);
  afterAll(() => {
    if (host.child.exitCode === null) host.child.kill('SIGKILL');
  });

  it('confirms the stop, leaves the host halted with zero open orders and still running; a second host is refused', async () => {
    const placed = await request(host.port, [restingBuy, restingBuy, restingBuy]);
    for (const r of placed) expect(r).toMatchObject({ ok: true, value: { status: expect.stringMatching(/accepted|new|pending_submit/) } });
    const before = await status(dir);
    expect(before.openOrders).toHaveLength(3);
    expect(before.runningApp).toMatchObject({ pid: host.child.pid, host: 'headless' });

    const stop = await cli(['stop', '--data-dir', dir, '--json']);
    expect(stop.code, stop.stderr).toBe(0);
    const report = JSON.parse(stop.stdout) as StopReport;
    expect(report).toMatchObject({ status: 'confirmed', source: 'cli', openOrdersRemaining: 0 });
    expect(report.steps.map((s) => s.name)).toEqual(['halt', 'cancel_orders', 'flatten', 'confirm']);

    const after = await status(dir);
    expect(after.tradingState).toMatchObject({ state: 'halted', latched: true, setBy: 'cli' });
    expect(after.openOrders).toEqual([]);
    // the host keeps running and answers, halted
    expect(host.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${host.port}/healthz`)).status).toBe(200);
    const [snapshot] = await request(host.port, [{ channel: 'app:snapshot', payload: {} }]);
    expect(snapshot).toMatchObject({ ok: true, value: { tradingState: { state: 'halted' } } });

    const second = await run(bundle, ['--port', '0', '--data-dir', dir]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`in use by a headless host (pid ${host.child.pid}`);
    expect(host.child.exitCode).toBeNull();

    host.child.kill('SIGTERM');
    expect(await host.exit).toBe(0);
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  }, 60_000);
});

describe('cli stop with nothing running', () => {
  it('latches the store halted and leaves zero open orders at the simulated broker, taking over a stale lock', async () => {
    const dir = tempDir();
    const earlier = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 5 });
    for (let i = 0; i < 3; i++) {
      const r = await earlier.dispatch(restingBuy.channel, restingBuy.payload);
      expect(r.ok).toBe(true);
    }
    await earlier.shutdown();
    // as if that run had been killed: its lock names a process that is gone
    const dead = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' }).pid;
    writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: dead, startedAt: Date.now() - 60_000, host: 'headless' }));
    expect((await status(dir)).openOrders).toHaveLength(3);

    const stop = await cli(['stop', '--data-dir', dir]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/^Emergency stop CONFIRMED by the broker\n {2}no app was running/);
    expect(stop.stdout).toMatch(/cancel_orders +done/);
    expect(stop.stderr).toMatch(new RegExp(`taking over a stale lock .*pid ${dead}`));
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);

    const fresh = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 5 });
    try {
      expect(fresh.engine.state.tradingState).toMatchObject({ state: 'halted', latched: true });
      expect(fresh.engine.state.openOrders.size).toBe(0);
      const atBroker = await fresh.broker.listOpenOrders();
      expect(atBroker).toEqual({ ok: true, value: [] });
    } finally {
      await fresh.shutdown();
    }
  }, 60_000);
});
