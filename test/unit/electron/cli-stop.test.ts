// `cli stop` against stand-ins for a running app: a lock naming a live process with a control
// endpoint (real server, fake engine), or one that accepts connections and never answers. Proves
// the exit codes (0 confirmed/noop, 1 failed or refused, 2 bad directory or hung app), that a hung
// app is never bypassed by opening the store, and what the printed report says.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../engine/api/contract';
import type { StopReport } from '../../../engine/domain/types';
import { CLI_USAGE, parseCliArgs } from '../../../electron/args';
import { formatStopReport, runStopCommand, type StopCommand } from '../../../electron/cli-stop';
import { startControlServer } from '../../../electron/control-server';
import { LOCK_FILE_NAME, type LockInfo } from '../../../electron/runtime-lock';

const TOKEN = 'cli-stop-test-token-0123456789abcdef';
const FAST = { reachMs: 600, stopMs: 3_000 };

function stopReport(over: Partial<StopReport> = {}): StopReport {
  return {
    id: 'stop-1',
    source: 'cli',
    flatten: true,
    requestedAt: Date.UTC(2025, 0, 2, 15, 0, 0, 0),
    status: 'confirmed',
    steps: [
      { name: 'halt', status: 'done', startedAt: Date.UTC(2025, 0, 2, 15, 0, 0, 0), endedAt: Date.UTC(2025, 0, 2, 15, 0, 0, 1), attempts: 0, detail: 'halted and latched in 0.40 ms' },
      { name: 'cancel_orders', status: 'done', startedAt: Date.UTC(2025, 0, 2, 15, 0, 0, 1), endedAt: Date.UTC(2025, 0, 2, 15, 0, 0, 13), attempts: 1, detail: 'done in 1 attempt' },
      { name: 'flatten', status: 'done', startedAt: Date.UTC(2025, 0, 2, 15, 0, 0, 13), endedAt: Date.UTC(2025, 0, 2, 15, 0, 0, 20), attempts: 2, detail: 'done in 2 attempts' },
      { name: 'confirm', status: 'done', startedAt: Date.UTC(2025, 0, 2, 15, 0, 0, 20), endedAt: Date.UTC(2025, 0, 2, 15, 0, 0, 45), attempts: 3, detail: 'broker confirms 0 open orders and 0 positions' },
    ],
    openOrdersRemaining: 0,
    positionsRemaining: 0,
    finishedAt: Date.UTC(2025, 0, 2, 15, 0, 0, 45),
    ...over,
  };
}

const failedReport = stopReport({
  status: 'failed',
  openOrdersRemaining: 2,
  positionsRemaining: 1,
  steps: stopReport().steps.map((s) => (s.name === 'confirm' ? { ...s, status: 'failed', detail: 'NOT CONFIRMED after 10000 ms' } : s)),
});

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ts-cli-stop-'));
  dirs.push(d);
  return d;
}

function capture(): { io: { out: (t: string) => void; err: (t: string) => void }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { out: (t) => (out += t), err: (t) => (err += t) }, out: () => out, err: () => err };
}

const cmd = (dataDir: string, over: Partial<StopCommand> = {}): StopCommand => ({ dataDir, flatten: undefined, json: false, ...over });

let app: ChildProcess;
let appPid: number;
const writeLock = (dir: string, over: Partial<LockInfo> = {}): void =>
  writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: appPid, startedAt: Date.now(), host: 'headless', ...over }), { mode: 0o600 });

// a process that accepts connections and never answers: what a hung app looks like from outside
let hung: Server;
const hungSockets: Socket[] = [];
let hungPort: number;

beforeAll(async () => {
  app = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  appPid = app.pid ?? 0;
  hung = createServer((s) => hungSockets.push(s));
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  hungPort = (hung.address() as { port: number }).port;
});
afterAll(async () => {
  app.kill('SIGKILL');
  for (const s of hungSockets) s.destroy();
  await new Promise((r) => hung.close(r));
  for (const d of dirs) {
    chmodSync(d, 0o700);
    rmSync(d, { recursive: true, force: true });
  }
});

/** A control endpoint whose engine answers the given reports in turn. */
async function fakeApp(answers: Result<unknown>[]): Promise<{ close: () => Promise<void>; port: number; calls: unknown[] }> {
  const calls: unknown[] = [];
  const server = await startControlServer({
    token: TOKEN,
    log: () => undefined,
    engine: {
      dispatch: async (_channel, payload) => {
        calls.push(payload);
        return answers[Math.min(calls.length - 1, answers.length - 1)] ?? { ok: false, error: { code: 'internal', message: 'no answer' } };
      },
    },
  });
  return { close: () => server.close(), port: server.port, calls };
}

describe('cli stop arguments', () => {
  it('parses stop with --data-dir, --flatten / --no-flatten and --json, and lists stop in the usage', () => {
    expect(parseCliArgs(['stop', '--data-dir', 'd', '--flatten', '--json'], '/w')).toEqual({
      ok: true,
      value: { command: 'stop', dataDir: '/w/d', flatten: true, json: true },
    });
    expect(parseCliArgs(['stop', '--data-dir', '/d', '--no-flatten'])).toMatchObject({ ok: true, value: { flatten: false, json: false } });
    expect(parseCliArgs(['stop', '--data-dir', '/d'])).toMatchObject({ ok: true, value: { flatten: undefined } });
    const both = parseCliArgs(['stop', '--data-dir', '/d', '--flatten', '--no-flatten']);
    expect(!both.ok && both.message).toMatch(/contradict/);
    const noDir = parseCliArgs(['stop', '--flatten']);
    expect(!noDir.ok && noDir.message).toMatch(/stop needs --data-dir DIR/);
    expect(CLI_USAGE).toMatch(/cli -- stop --data-dir DIR/);
  });
});

describe('the printed report', () => {
  it('shows each step with its start time, duration and attempts, and what remains at the broker', () => {
    const text = formatStopReport(stopReport(), 'done by X');
    expect(text).toMatch(/^Emergency stop CONFIRMED by the broker\n {2}done by X\n/);
    expect(text).toMatch(/cancel_orders +done +15:00:00\.001Z took 12 ms +1 attempt +done in 1 attempt/);
    expect(text).toMatch(/confirm +done +15:00:00\.020Z took 25 ms +3 attempts +broker confirms/);
    expect(text).toMatch(/at the broker: 0 open orders, 0 positions\n/);
    const failed = formatStopReport(failedReport, 'done by X');
    expect(failed).toMatch(/^EMERGENCY STOP FAILED/);
    expect(failed).toMatch(/confirm +FAILED .*NOT CONFIRMED/);
  });
});

describe('cli stop on a bad data directory (exit 2)', () => {
  it('says so for a missing directory, a file, and a folder with no supervisor data', async () => {
    const base = tempDir();
    const missing = capture();
    expect(await runStopCommand(cmd(join(base, 'nope')), missing.io, FAST)).toBe(2);
    expect(missing.err()).toMatch(/data directory .*nope does not exist/);

    writeFileSync(join(base, 'file'), 'x');
    const file = capture();
    expect(await runStopCommand(cmd(join(base, 'file')), file.io, FAST)).toBe(2);
    expect(file.err()).toMatch(/is not a directory/);

    const empty = capture();
    expect(await runStopCommand(cmd(base), empty.io, FAST)).toBe(2);
    expect(empty.err()).toMatch(/holds no Trading Supervisor data \(no supervisor\.sqlite\)/);
    // nothing was created there: a typo in --data-dir must not make a new database
    expect(existsSync(join(base, 'supervisor.sqlite'))).toBe(false);
  });

  const asRoot = process.getuid?.() === 0;
  if (asRoot) console.log('[cli stop] skipped: "says so for a directory it may not read" needs a non-root user (root reads any directory)');
  it.skipIf(asRoot)('says so for a directory it may not read', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o000);
    const c = capture();
    expect(await runStopCommand(cmd(dir), c.io, FAST)).toBe(2);
    expect(c.err()).toMatch(/cannot read the data directory/);
  });
});

describe('cli stop with an app running on the directory', () => {
  it('delivers the stop with the flatten asked for and exits 0 on a confirmed report', async () => {
    const dir = tempDir();
    const fake = await fakeApp([{ ok: true, value: stopReport() }]);
    try {
      writeLock(dir, { controlPort: fake.port, controlToken: TOKEN });
      const c = capture();
      expect(await runStopCommand(cmd(dir, { flatten: true }), c.io, FAST)).toBe(0);
      expect(fake.calls).toEqual([{ source: 'cli', flatten: true }]);
      expect(c.out()).toMatch(new RegExp(`CONFIRMED[\\s\\S]*done by the headless host \\(pid ${appPid}\\)`));
      for (const step of ['halt', 'cancel_orders', 'flatten', 'confirm']) expect(c.out()).toContain(`  ${step} `);
      // the CLI never opened the store under the live lock
      expect(existsSync(join(dir, 'supervisor.sqlite'))).toBe(false);
    } finally {
      await fake.close();
    }
  });

  it('exits 1 and says loudly what remains when the report is failed; --json prints the report itself', async () => {
    const dir = tempDir();
    const fake = await fakeApp([{ ok: true, value: failedReport }]);
    try {
      writeLock(dir, { controlPort: fake.port, controlToken: TOKEN });
      const c = capture();
      expect(await runStopCommand(cmd(dir, { json: true }), c.io, FAST)).toBe(1);
      expect(JSON.parse(c.out())).toEqual(failedReport);
      expect(c.err()).toMatch(/EMERGENCY STOP NOT CONFIRMED: 2 open orders and 1 position remain at the broker \(confirm: NOT CONFIRMED/);
      expect(fake.calls).toEqual([{ source: 'cli' }]);
    } finally {
      await fake.close();
    }
  });

  it('waits for a stop already in progress instead of reporting it half done', async () => {
    const dir = tempDir();
    const fake = await fakeApp([{ ok: true, value: stopReport({ status: 'running', source: 'ui', finishedAt: null }) }, { ok: true, value: stopReport({ status: 'noop' }) }]);
    try {
      writeLock(dir, { controlPort: fake.port, controlToken: TOKEN });
      const c = capture();
      expect(await runStopCommand(cmd(dir), c.io, FAST)).toBe(0);
      expect(fake.calls).toHaveLength(2);
      expect(c.out()).toMatch(/^Already stopped/);
    } finally {
      await fake.close();
    }
  });

  it('exits 1 when the app refuses the token from the lock file', async () => {
    const dir = tempDir();
    const fake = await fakeApp([{ ok: true, value: stopReport() }]);
    try {
      writeLock(dir, { controlPort: fake.port, controlToken: `${TOKEN}-stale` });
      const c = capture();
      expect(await runStopCommand(cmd(dir), c.io, FAST)).toBe(1);
      expect(c.err()).toMatch(/HTTP 401.*refused the token/);
      expect(fake.calls).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });

  it('exits 2 within the time limit when the app does not answer, and does not open the store under its live lock', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'supervisor.sqlite'), 'a store the CLI must not touch');
    writeLock(dir, { controlPort: hungPort, controlToken: TOKEN });
    const c = capture();
    const started = Date.now();
    expect(await runStopCommand(cmd(dir), c.io, FAST)).toBe(2);
    expect(Date.now() - started).toBeLessThan(FAST.reachMs + 1_000);
    expect(c.err()).toMatch(new RegExp(`pid ${appPid}\\) holds .* did not answer within 0.6 s: it seems hung`));
    expect(c.err()).toMatch(/will not open the store under a live lock/);
    expect(readFileSync(join(dir, 'supervisor.sqlite'), 'utf8')).toBe('a store the CLI must not touch');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'))).toMatchObject({ pid: appPid });
  });

  it('exits 2 when the live holder never opened a control endpoint', async () => {
    const dir = tempDir();
    writeLock(dir, { host: 'electron' });
    const c = capture();
    expect(await runStopCommand(cmd(dir), c.io, FAST)).toBe(2);
    expect(c.err()).toMatch(/the Trading Supervisor app \(pid \d+\) holds .*has not opened a control endpoint/);
  });
});
