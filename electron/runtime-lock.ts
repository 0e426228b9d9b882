// One engine per data directory. Two processes running the engine on the same folder would both
// trade (and both reconcile, both cancel, both re-send), so startRuntime takes an exclusive lock
// file, `<dataDir>/supervisor.lock`, before it opens the store. The file also tells `cli stop`
// who holds the directory and where that process's control endpoint listens (its token included,
// hence mode 0600).
//
// A lock whose process is gone (a crash, SIGKILL, a power cut) is stale and is taken over; the
// takeover moves the file aside with an atomic rename and checks it moved the stale one, so two
// processes that find the same stale lock at once cannot both end up believing they hold it.
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { assertNever } from '../engine/util/assert';
import type { HostLog } from './hosted-engine';

export const LOCK_FILE_NAME = 'supervisor.lock';

export type RuntimeHost = 'electron' | 'headless' | 'cli';

export interface LockInfo {
  pid: number;
  startedAt: number;
  host: RuntimeHost;
  controlPort?: number;
  controlToken?: string;
}

export type LockState =
  | { kind: 'free' }
  | { kind: 'live'; info: LockInfo }
  /** the holder's process is gone */
  | { kind: 'stale'; info: LockInfo; raw: string }
  /** not a lock we can parse: being written right now (young) or left corrupt (old) */
  | { kind: 'unreadable'; reason: string; ageMs: number; raw: string };

/** A lock file younger than this that cannot be parsed is assumed to be mid-write by a starting process. */
export const UNREADABLE_GRACE_MS = 5_000;
const MAX_ACQUIRE_ATTEMPTS = 5;
const HOSTS: readonly RuntimeHost[] = ['electron', 'headless', 'cli'];

/** Lock files held by this very process: a lock naming our own pid is live only if it is one of these. */
const heldHere = new Set<string>();

export function lockPathFor(dataDir: string): string {
  return join(dataDir, LOCK_FILE_NAME);
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Parse point for the lock file's text. */
export function parseLockInfo(text: string): LockInfo | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return `not JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not a JSON object';
  const o = data as Record<string, unknown>;
  if (typeof o.pid !== 'number' || !Number.isSafeInteger(o.pid) || o.pid <= 0) return 'no valid "pid"';
  if (typeof o.startedAt !== 'number' || !Number.isFinite(o.startedAt)) return 'no valid "startedAt"';
  if (typeof o.host !== 'string' || !(HOSTS as readonly string[]).includes(o.host)) return 'no valid "host"';
  const info: LockInfo = { pid: o.pid, startedAt: o.startedAt, host: o.host as RuntimeHost };
  if (o.controlPort !== undefined) {
    if (typeof o.controlPort !== 'number' || !Number.isInteger(o.controlPort) || o.controlPort < 1 || o.controlPort > 65_535) {
      return '"controlPort" is not a port number';
    }
    info.controlPort = o.controlPort;
  }
  if (o.controlToken !== undefined) {
    if (typeof o.controlToken !== 'string' || o.controlToken.length < 16 || o.controlToken.length > 512) return '"controlToken" is not a token';
    info.controlToken = o.controlToken;
  }
  return info;
}

/** What the lock file of a data directory says right now. Throws only for I/O errors other than a missing file. */
export function inspectLock(dataDir: string): LockState {
  const path = lockPathFor(dataDir);
  let raw: string;
  let mtimeMs: number;
  try {
    raw = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'free' };
    throw e;
  }
  const parsed = parseLockInfo(raw);
  if (typeof parsed === 'string') return { kind: 'unreadable', reason: parsed, ageMs: Date.now() - mtimeMs, raw };
  const alive = parsed.pid === process.pid ? heldHere.has(path) : isProcessAlive(parsed.pid);
  return alive ? { kind: 'live', info: parsed } : { kind: 'stale', info: parsed, raw };
}

const HOST_NAMES: Record<RuntimeHost, string> = {
  electron: 'the Trading Supervisor app',
  headless: 'a headless host',
  cli: 'a `cli stop` command',
};

function whatToDo(info: LockInfo): string {
  switch (info.host) {
    case 'electron':
      return 'Close that Trading Supervisor window (or quit it from its tray icon) first';
    case 'headless':
      return `Stop that headless host first (Ctrl+C in its terminal, or kill ${info.pid})`;
    case 'cli':
      return 'That command finishes by itself in a few seconds: wait, then try again';
    default:
      return assertNever(info.host, 'lock host');
  }
}

/** The data directory is held by a live process. The message names it and says what to do. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo | null,
    detail?: string,
  ) {
    const lock = lockPathFor(dataDir);
    const who = holder
      ? `${HOST_NAMES[holder.host]} (pid ${holder.pid}, running since ${new Date(holder.startedAt).toISOString()})`
      : `a process that is starting right now (${detail ?? 'its lock file is being written'})`;
    super(
      `the data directory ${dataDir} is in use by ${who}: two engines on one data directory would both trade. ` +
        `${holder ? whatToDo(holder) : 'Wait a few seconds and try again'}, or choose another --data-dir. ` +
        `To stop its trading without closing it: npm run cli -- stop --data-dir ${dataDir}. ` +
        `If you are sure no such process runs, delete ${lock}.`,
    );
  }
}

/** Writes `text` to a new file at `path` with mode 0600; false if the file already exists. */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

const unlinkQuietly = (path: string): void => {
  try {
    unlinkSync(path);
  } catch {
    // already gone: nothing to remove
  }
};

/**
 * Removes the lock file only if it still holds `expectedRaw`. The file is renamed aside first
 * (atomic), so a fresh lock that another process wrote in between is recognised and put back
 * instead of being deleted.
 */
function removeIfUnchanged(path: string, expectedRaw: string): void {
  const aside = `${path}.takeover-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  let moved = '';
  try {
    moved = readFileSync(aside, 'utf8');
  } catch {
    // unreadable after the move: treat it as not ours to keep
  }
  if (moved !== expectedRaw) {
    try {
      // link fails if yet another lock appeared meanwhile; then that one stands
      linkSync(aside, path);
    } catch {
      // the newer lock wins; the moved one is dropped below
    }
  }
  unlinkQuietly(aside);
}

/** The lock this process holds on a data directory. */
export class RuntimeLock {
  private released = false;

  constructor(
    readonly path: string,
    private info: LockInfo,
  ) {}

  get current(): LockInfo {
    return { ...this.info };
  }

  /** Records where this process's control endpoint listens, replacing the file atomically. */
  recordControl(endpoint: { controlPort: number; controlToken: string }): void {
    if (this.released) throw new Error('recordControl after the lock was released');
    const next: LockInfo = { ...this.info, ...endpoint };
    const tmp = `${this.path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    if (!createExclusive(tmp, JSON.stringify(next))) throw new Error(`temporary lock file ${tmp} already exists`);
    try {
      renameSync(tmp, this.path);
    } catch (e) {
      unlinkQuietly(tmp);
      throw e;
    }
    this.info = next;
  }

  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.path);
    let raw: string;
    try {
      raw = readFileSync(this.path, 'utf8');
    } catch {
      return;
    }
    const onDisk = parseLockInfo(raw);
    if (typeof onDisk !== 'string' && onDisk.pid === this.info.pid && onDisk.startedAt === this.info.startedAt) {
      removeIfUnchanged(this.path, raw);
    }
  }
}

/**
 * Takes the data directory's lock or throws DataDirLockedError naming the holder. A stale lock
 * (its process is gone) is taken over and the log says so. Other I/O errors (a read-only or
 * foreign-owned folder) are thrown as they are.
 */
export function acquireRuntimeLock(dataDir: string, host: RuntimeHost, log: HostLog): RuntimeLock {
  const path = lockPathFor(dataDir);
  const mine: LockInfo = { pid: process.pid, startedAt: Date.now(), host };
  for (let attempt = 0; attempt < MAX_ACQUIRE_ATTEMPTS; attempt++) {
    if (createExclusive(path, JSON.stringify(mine))) {
      heldHere.add(path);
      return new RuntimeLock(path, mine);
    }
    const state = inspectLock(dataDir);
    switch (state.kind) {
      case 'free':
        break;
      case 'live':
        throw new DataDirLockedError(dataDir, state.info);
      case 'stale':
        log(
          'warn',
          `taking over a stale lock on ${dataDir}: ${HOST_NAMES[state.info.host]} (pid ${state.info.pid}, started ` +
            `${new Date(state.info.startedAt).toISOString()}) is no longer running; it crashed or was killed, and the journal will be replayed`,
        );
        removeIfUnchanged(path, state.raw);
        break;
      case 'unreadable':
        if (state.ageMs < UNREADABLE_GRACE_MS) throw new DataDirLockedError(dataDir, null, `its lock file is ${state.reason}`);
        log('warn', `replacing an unreadable lock file on ${dataDir} (${state.reason}), last written ${Math.round(state.ageMs / 1000)} s ago`);
        removeIfUnchanged(path, state.raw);
        break;
      default:
        assertNever(state, 'lock state');
    }
  }
  throw new DataDirLockedError(dataDir, null, `its lock file changed ${MAX_ACQUIRE_ATTEMPTS} times while this process tried to take it`);
}
