// The data directory's lock: one engine per directory. A second runtime on a held directory is
// refused naming the holder's pid, a lock left by a dead process is taken over (and the log says
// so), shutdown removes the lock, and the control endpoint is recorded in it with mode 0600.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeStartError, startRuntime } from '../../../electron/runtime';
import {
  acquireRuntimeLock,
  DataDirLockedError,
  inspectLock,
  LOCK_FILE_NAME,
  parseLockInfo,
  type LockInfo,
} from '../../../electron/runtime-lock';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ts-lock-'));
  dirs.push(d);
  return d;
}

/** A pid that surely belongs to no process: a child that ran, exited and was reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  if (r.pid === undefined) throw new Error('could not spawn node');
  return r.pid;
}

function writeLock(dir: string, info: LockInfo): void {
  writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify(info), { mode: 0o600 });
}

const readLock = (dir: string): LockInfo => {
  const parsed = parseLockInfo(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'));
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};

function collectLog(): { lines: string[]; log: (level: string, message: string) => void } {
  const lines: string[] = [];
  return { lines, log: (level, message) => lines.push(`${level}: ${message}`) };
}

let other: ChildProcess;
beforeAll(() => {
  // another live process, to stand for an app already running on a directory
  other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
});
afterAll(() => {
  other.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('startRuntime and the data directory lock', () => {
  it('refuses a second runtime on the same directory, naming the holder pid, and shutdown removes the lock', async () => {
    const dir = tempDir();
    const first = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 });
    try {
      expect(readLock(dir)).toMatchObject({ pid: process.pid, host: 'headless' });
      const second = startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1, host: 'electron' });
      await expect(second).rejects.toBeInstanceOf(RuntimeStartError);
      await expect(second).rejects.toThrow(new RegExp(`in use by a headless host \\(pid ${process.pid}[\\s\\S]*cli -- stop --data-dir`));
      // the refused start left the holder's lock in place
      expect(readLock(dir).pid).toBe(process.pid);
    } finally {
      await first.shutdown();
    }
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('refuses a directory held by another live process and says what to do for its kind of host', async () => {
    const dir = tempDir();
    const pid = other.pid ?? 0;
    writeLock(dir, { pid, startedAt: Date.now(), host: 'electron' });
    await expect(startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 })).rejects.toThrow(
      new RegExp(`pid ${pid}[\\s\\S]*Close that Trading Supervisor window`),
    );
    expect(existsSync(join(dir, 'supervisor.sqlite'))).toBe(false);
  });

  it('takes over a stale lock whose process is gone, says so in the log, and records itself', async () => {
    const dir = tempDir();
    const pid = deadPid();
    writeLock(dir, { pid, startedAt: Date.now() - 60_000, host: 'headless', controlPort: 1234, controlToken: 'old-token-0123456789' });
    const { lines, log } = collectLog();
    const rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1, host: 'cli', log });
    try {
      expect(lines.some((l) => l.startsWith('warn: taking over a stale lock') && l.includes(`pid ${pid}`))).toBe(true);
      const now = readLock(dir);
      expect(now).toMatchObject({ pid: process.pid, host: 'cli' });
      expect(now.controlPort).toBeUndefined();
    } finally {
      await rt.shutdown();
    }
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('with controlEndpoint, records the port and token in a lock file only its owner can read', async () => {
    const dir = tempDir();
    const rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1, controlEndpoint: true });
    try {
      const lock = readLock(dir);
      expect(lock.controlPort).toBeGreaterThan(0);
      expect(lock.controlToken?.length).toBeGreaterThanOrEqual(32);
      if (process.platform !== 'win32') expect(statSync(join(dir, LOCK_FILE_NAME)).mode & 0o777).toBe(0o600);
      const health = await fetch(`http://127.0.0.1:${lock.controlPort}/control/health`);
      expect(health.status).toBe(200);
    } finally {
      await rt.shutdown();
    }
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('releases the lock when the start fails after taking it (a refused database)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'supervisor.sqlite'), 'this is not a database, and must not be overwritten');
    await expect(startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 })).rejects.toBeInstanceOf(RuntimeStartError);
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });
});

describe('acquireRuntimeLock', () => {
  const noLog = (): void => undefined;

  it('treats a lock naming this process pid but not taken by it as stale (a pid reused after a restart)', () => {
    const dir = tempDir();
    writeLock(dir, { pid: process.pid, startedAt: 1, host: 'headless' });
    expect(inspectLock(dir).kind).toBe('stale');
    const lock = acquireRuntimeLock(dir, 'headless', noLog);
    expect(inspectLock(dir).kind).toBe('live');
    lock.release();
    expect(inspectLock(dir).kind).toBe('free');
  });

  it('refuses a lock file that is being written right now, but replaces one left unreadable long ago', () => {
    const dir = tempDir();
    const path = join(dir, LOCK_FILE_NAME);
    writeFileSync(path, '');
    expect(() => acquireRuntimeLock(dir, 'headless', noLog)).toThrow(DataDirLockedError);
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(path, old, old);
    const { lines, log } = collectLog();
    const lock = acquireRuntimeLock(dir, 'cli', log);
    expect(lines.join('\n')).toMatch(/replacing an unreadable lock file/);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, host: 'cli' });
    lock.release();
  });

  it('release leaves alone a lock that is no longer its own', () => {
    const dir = tempDir();
    const lock = acquireRuntimeLock(dir, 'headless', noLog);
    const theirs: LockInfo = { pid: other.pid ?? 0, startedAt: Date.now(), host: 'electron' };
    writeLock(dir, theirs);
    lock.release();
    expect(readLock(dir)).toEqual(theirs);
  });

  it('parseLockInfo names what is wrong with a damaged lock file', () => {
    expect(parseLockInfo('{')).toMatch(/not JSON/);
    expect(parseLockInfo('{"pid":-1,"startedAt":1,"host":"headless"}')).toMatch(/pid/);
    expect(parseLockInfo('{"pid":5,"startedAt":1,"host":"daemon"}')).toMatch(/host/);
    expect(parseLockInfo('{"pid":5,"startedAt":1,"host":"cli","controlPort":70000}')).toMatch(/controlPort/);
    expect(parseLockInfo('{"pid":5,"startedAt":1,"host":"cli"}')).toEqual({ pid: 5, startedAt: 1, host: 'cli' });
  });
});
