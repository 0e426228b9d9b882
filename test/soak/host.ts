// The headless host under soak: dist/headless.cjs as a child process at full simulator speed
// (--sim-speed max) with extra synthetic symbols, on a fresh temporary data directory.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIM_SYMBOLS } from '../../engine/sim/instruments';
import { HEADLESS_ENTRY, REPO_ROOT, headlessBuildMissing } from '../e2e/fixtures/headlessHost';

export interface SoakHost {
  url: string;
  pid: number;
  dataDir: string;
  /** everything the host wrote on stderr/stdout (the last 1 MB) */
  output(): string;
  /**
   * Linux: the host's resident memory split as the kernel counts it (/proc/PID/status): anonymous
   * (heap, buffers: what a leak grows) and file-backed (the store's memory-mapped database
   * pages, bounded by its mmap_size and given back under pressure). Null elsewhere.
   */
  rssSplit(): { anon: number; file: number; shmem: number } | null;
  /** non-null once the host has exited */
  exitCode(): number | string | null;
  /** SIGTERM, SIGKILL after 10 s; deletes the data directory */
  dispose(): Promise<void>;
}

const LISTENING = /Headless supervisor listening on (http:\/\/\S+)/;
const OUTPUT_KEPT = 1 << 20;

export async function startSoakHost(opts: { symbols: number; dataRoot: string | null; seed?: number }): Promise<SoakHost> {
  const missing = headlessBuildMissing();
  if (missing) throw new Error(missing);
  const extra = opts.symbols - DEFAULT_SIM_SYMBOLS.length;
  if (extra < 0) throw new Error(`at least ${DEFAULT_SIM_SYMBOLS.length} symbols (the simulator's own), got ${opts.symbols}`);
  const dataDir = mkdtempSync(join(opts.dataRoot ?? tmpdir(), 'supervisor-soak-'));
  const args = [
    HEADLESS_ENTRY,
    '--port', '0',
    '--data-dir', dataDir,
    '--token', randomBytes(24).toString('hex'),
    '--sim-seed', String(opts.seed ?? 7),
    '--sim-speed', 'max',
    '--sim-extra-symbols', String(extra),
  ];
  // SOAK_HOST_NODE_ARGS: extra Node flags for the host, for diagnosis (e.g. --trace-gc, --cpu-prof)
  const nodeArgs = (process.env.SOAK_HOST_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  // Its own session (detached), as when a user starts the host from a terminal and the browser is
  // another program: Linux's scheduler (autogroup) then shares the CPU between the two sessions,
  // as on a user's machine, instead of between every thread of the soak, the host and Chromium
  // as if they were one program. Not in our process group, so it is killed here if we go first.
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killOnExit = (): void => {
    if (exit === null) child.kill('SIGKILL');
  };
  const killOnSignal = (signal: NodeJS.Signals): void => {
    killOnExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', killOnExit);
  process.once('SIGINT', killOnSignal);
  process.once('SIGTERM', killOnSignal);
  let log = '';
  const keep = (d: string): void => {
    log += d;
    if (log.length > OUTPUT_KEPT) log = log.slice(-OUTPUT_KEPT);
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', keep);
  let exit: number | string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = code ?? signal ?? 'unknown';
      resolve();
    }),
  );
  const dispose = async (): Promise<void> => {
    process.off('exit', killOnExit);
    process.off('SIGINT', killOnSignal);
    process.off('SIGTERM', killOnSignal);
    if (exit === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the headless host printed no URL within 30 s; output:\n${log}`)), 30_000);
      child.stdout.on('data', (d: string) => {
        keep(d);
        const m = LISTENING.exec(log);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the headless host exited (${String(exit)}) before listening; output:\n${log}`));
      });
    });
    const pid = child.pid ?? -1;
    return { url, pid, dataDir, output: () => log, exitCode: () => exit, dispose, rssSplit: () => rssSplitOf(pid) };
  } catch (e) {
    await dispose();
    throw e;
  }
}

function rssSplitOf(pid: number): { anon: number; file: number; shmem: number } | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string): number | null => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m?.[1] ? Number(m[1]) * 1024 : null;
  };
  const anon = kb('RssAnon');
  const file = kb('RssFile');
  const shmem = kb('RssShmem');
  return anon === null || file === null || shmem === null ? null : { anon, file, shmem };
}
