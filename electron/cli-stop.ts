// `cli stop`: the emergency stop from a terminal. If an app or a headless host runs on the data
// directory (its lock is live), the stop goes to that process through its control endpoint, so
// the engine that is trading is the one that halts. If none runs (no lock, or a stale one), the
// CLI runs the stop itself: it starts the runtime on the directory (taking the lock, replaying
// the journal, reconciling with the broker), engages the kill switch and shuts down, so the store
// is latched halted AND the broker's open orders are cancelled. It never opens the store under a
// live lock: two engines on one directory would both trade.
// Exit codes: 0 confirmed or already stopped, 1 the stop failed or was refused, 2 bad data
// directory, or a running app that does not answer.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { STORE_FILE_NAME } from '../db/SqliteStore';
import type { StopReport, StopStep } from '../engine/domain/types';
import { CONTROL_HEALTH_PATH, CONTROL_HOST, CONTROL_STOP_PATH } from './control-server';
import { errorMessage, type HostLog } from './hosted-engine';
import { DataDirLockedError, inspectLock, lockPathFor, UNREADABLE_GRACE_MS, type LockInfo, type LockState } from './runtime-lock';
import { RuntimeStartError, startRuntime, type Runtime } from './runtime';
import { readBrokerInUse } from './secrets/connectionSettings';

export interface StopCommand {
  dataDir: string;
  /** undefined: the "flatten on stop" setting decides */
  flatten: boolean | undefined;
  json: boolean;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface StopTimeouts {
  /** how long a running app has to answer its control endpoint before it is called hung */
  reachMs: number;
  /** how long the stop sequence may take once the app answered (it polls the broker for up to 10 s, with retries) */
  stopMs: number;
}

export const DEFAULT_STOP_TIMEOUTS: StopTimeouts = { reachMs: 5_000, stopMs: 60_000 };
const RETRY_MS = 200;
const MAX_RESPONSE_BYTES = 1024 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------- the report on the wire ----------

const STOP_STATUSES: readonly string[] = ['running', 'confirmed', 'failed', 'noop'];
const isNullableNumber = (x: unknown): boolean => x === null || typeof x === 'number';

function isStopStep(x: unknown): x is StopStep {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return (
    typeof s.name === 'string' &&
    typeof s.status === 'string' &&
    isNullableNumber(s.startedAt) &&
    isNullableNumber(s.endedAt) &&
    typeof s.attempts === 'number' &&
    typeof s.detail === 'string'
  );
}

/** Parse point for the control endpoint's answer. */
export function isStopReport(x: unknown): x is StopReport {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    typeof r.source === 'string' &&
    typeof r.flatten === 'boolean' &&
    typeof r.requestedAt === 'number' &&
    typeof r.status === 'string' &&
    STOP_STATUSES.includes(r.status) &&
    Array.isArray(r.steps) &&
    r.steps.every(isStopStep) &&
    isNullableNumber(r.openOrdersRemaining) &&
    isNullableNumber(r.positionsRemaining) &&
    isNullableNumber(r.finishedAt)
  );
}

// ---------- printing ----------

const timeOfDay = (t: number): string => new Date(t).toISOString().slice(11, 23);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function stepLine(s: StopStep): string {
  const when =
    s.startedAt === null
      ? ''
      : `${timeOfDay(s.startedAt)}Z${s.endedAt === null ? ' (unfinished)' : ` took ${Math.max(0, s.endedAt - s.startedAt)} ms`}`;
  const attempts = s.attempts > 0 ? plural(s.attempts, 'attempt') : '';
  const status = s.status === 'failed' ? 'FAILED' : s.status;
  return `  ${s.name.padEnd(14)} ${status.padEnd(8)} ${when.padEnd(28)} ${attempts.padEnd(11)} ${s.detail}`.trimEnd();
}

/** What remains after a stop, in words (null counts are unknown, said as such). */
function remains(r: StopReport): string {
  const orders = r.openOrdersRemaining === null ? 'an unknown number of open orders' : plural(r.openOrdersRemaining, 'open order');
  const positions = r.positionsRemaining === null ? 'an unknown number of positions' : plural(r.positionsRemaining, 'position');
  return `${orders} and ${positions}`;
}

/** The report, one line per step with its times, as the terminal shows it. */
export function formatStopReport(r: StopReport, via: string): string {
  const headline: Record<StopReport['status'], string> = {
    confirmed: 'Emergency stop CONFIRMED by the broker',
    noop: 'Already stopped: nothing to do',
    failed: 'EMERGENCY STOP FAILED',
    running: 'Emergency stop still RUNNING',
  };
  const took = r.finishedAt === null ? '' : `, finished in ${Math.max(0, r.finishedAt - r.requestedAt)} ms`;
  const lines = [
    headline[r.status],
    `  ${via}`,
    `  requested from ${r.source} at ${new Date(r.requestedAt).toISOString()}, flatten ${r.flatten ? 'on' : 'off'}${took}`,
    ...r.steps.map(stepLine),
    `  at the broker: ${r.openOrdersRemaining === null ? 'unknown' : r.openOrdersRemaining} open orders, ` +
      `${r.positionsRemaining === null ? 'unknown' : r.positionsRemaining} positions${r.flatten ? '' : ' (kept: flatten was off)'}`,
  ];
  if (r.status !== 'running') lines.push('Trading is halted and latched: re-arm it in the app, with a reason, to trade again.');
  return lines.join('\n');
}

/** Prints the report (text or JSON) and says loudly on stderr when it did not end well; returns the exit code. */
function finish(report: StopReport, via: string, cmd: StopCommand, io: CliIo): number {
  io.out(cmd.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatStopReport(report, via)}\n`);
  if (report.status === 'confirmed' || report.status === 'noop') return 0;
  const failedSteps = report.steps.filter((s) => s.status === 'failed').map((s) => `${s.name}: ${s.detail}`);
  io.err(
    report.status === 'failed'
      ? `cli: EMERGENCY STOP NOT CONFIRMED: ${remains(report)} remain at the broker` +
          `${failedSteps.length > 0 ? ` (${failedSteps.join('; ')})` : ''}. Trading is halted and latched, ` +
          'but check the broker directly and close what remains there.\n'
      : 'cli: the emergency stop had not finished when the CLI stopped waiting; run `npm run cli -- status` to see where it got.\n',
  );
  return 1;
}

// ---------- the data directory ----------

/** A message for a data directory the CLI cannot use, or null. */
function dataDirProblem(dataDir: string): string | null {
  let isDir: boolean;
  try {
    isDir = statSync(dataDir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `data directory ${dataDir} does not exist; pass the folder the app or the headless host uses`;
    return `cannot read the data directory ${dataDir}: ${errorMessage(e)}; run the CLI as the user that owns it`;
  }
  if (!isDir) return `${dataDir} is not a directory; pass the folder the app or the headless host uses`;
  try {
    accessSync(dataDir, constants.R_OK | constants.X_OK);
  } catch {
    return `cannot read the data directory ${dataDir} (permission denied); run the CLI as the user that owns it`;
  }
  return null;
}

// ---------- reaching a running app ----------

type HttpAnswer = { kind: 'answer'; status: number; text: string } | { kind: 'refused' } | { kind: 'timeout' } | { kind: 'error'; message: string };

function callControl(port: number, method: 'GET' | 'POST', path: string, timeoutMs: number, token?: string, body?: string): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const req = http.request(
      { host: CONTROL_HOST, port, method, path, headers, signal: AbortSignal.timeout(Math.max(1, timeoutMs)) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            res.destroy();
            resolve({ kind: 'error', message: `the answer exceeded ${MAX_RESPONSE_BYTES} bytes` });
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ kind: 'answer', status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => resolve(classify(e)));
      },
    );
    req.on('error', (e) => resolve(classify(e)));
    req.end(body);
  });
}

function classify(e: Error): HttpAnswer {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return { kind: 'refused' };
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || code === 'ABORT_ERR') return { kind: 'timeout' };
  return { kind: 'error', message: errorMessage(e) };
}

const HOLDER_NAMES: Record<LockInfo['host'], string> = {
  electron: 'the Trading Supervisor app',
  headless: 'the headless host',
  cli: 'another `cli stop`',
};

function holderName(info: LockInfo): string {
  return `${HOLDER_NAMES[info.host]} (pid ${info.pid})`;
}

/** The answer's error message, if it carries one. Parse point for error bodies. */
function errorText(text: string): string {
  try {
    const data = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof data.error?.message === 'string') return data.error.message;
  } catch {
    // not JSON: show the raw text below
  }
  return text.slice(0, 300);
}

async function stopThere(cmd: StopCommand, io: CliIo, holder: LockInfo & { controlPort: number; controlToken: string }, timeouts: StopTimeouts): Promise<number> {
  const via = `done by ${holderName(holder)}, which runs on ${cmd.dataDir}`;
  const body = JSON.stringify(cmd.flatten === undefined ? {} : { flatten: cmd.flatten });
  const deadline = Date.now() + timeouts.stopMs;
  for (;;) {
    const answer = await callControl(holder.controlPort, 'POST', CONTROL_STOP_PATH, deadline - Date.now(), holder.controlToken, body);
    if (answer.kind === 'timeout') {
      io.err(
        `cli: ${holderName(holder)} took the stop request but did not finish it within ${timeouts.stopMs / 1000} s: it seems hung. ` +
          `Its halt may already be recorded (check: npm run cli -- status --data-dir ${cmd.dataDir}). ` +
          'The CLI will not open the store under a live lock; stop that process from its window, tray or terminal ' +
          `(or kill ${holder.pid}), then run this command again to stop from here.\n`,
      );
      return 2;
    }
    if (answer.kind !== 'answer') {
      io.err(`cli: lost contact with ${holderName(holder)} during the stop (${answer.kind === 'refused' ? 'connection refused' : answer.message}); run the command again.\n`);
      return 2;
    }
    if (answer.status !== 200) {
      const why = answer.status === 401 ? `it refused the token in ${lockPathFor(cmd.dataDir)} (the lock file does not match the running process)` : errorText(answer.text);
      io.err(`cli: ${holderName(holder)} did not stop (HTTP ${answer.status}): ${why}. Use the Emergency stop button in that app.\n`);
      return 1;
    }
    let report: unknown;
    try {
      report = JSON.parse(answer.text);
    } catch {
      report = null;
    }
    if (!isStopReport(report)) {
      io.err(`cli: ${holderName(holder)} answered something that is not a stop report: ${answer.text.slice(0, 200)}. Check the app's screen.\n`);
      return 1;
    }
    // another stop (the button, a breaker) was already running: wait for it and ask again
    if (report.status === 'running' && Date.now() + RETRY_MS < deadline) {
      await sleep(RETRY_MS);
      continue;
    }
    if (!cmd.json) io.err(`cli: stop delivered to ${holderName(holder)}\n`);
    return finish(report, via, cmd, io);
  }
}

// ---------- stopping with no app running ----------

async function stopHere(cmd: StopCommand, io: CliIo): Promise<number> {
  if (!existsSync(join(cmd.dataDir, STORE_FILE_NAME))) {
    io.err(`cli: ${cmd.dataDir} holds no Trading Supervisor data (no ${STORE_FILE_NAME}); pass the folder the app or the headless host uses.\n`);
    return 2;
  }
  try {
    accessSync(cmd.dataDir, constants.W_OK);
  } catch {
    io.err(`cli: no app runs on ${cmd.dataDir}, and the CLI cannot write there to stop trading itself (permission denied); run it as the user that owns the folder.\n`);
    return 2;
  }
  // warnings and errors only: stdout is the report, and a stale lock taken over or a reconciliation difference is worth seeing
  const log: HostLog = (level, message) => {
    if (level !== 'info') io.err(`cli: ${level}: ${message}\n`);
  };
  let runtime: Runtime;
  try {
    // the broker this data directory trades with (keys for Alpaca come from the environment or the keys file)
    const broker = readBrokerInUse(cmd.dataDir)?.broker ?? 'sim';
    runtime = await startRuntime({ dataDir: cmd.dataDir, broker, host: 'cli', log });
  } catch (e) {
    if (e instanceof RuntimeStartError && e.cause instanceof DataDirLockedError) {
      io.err(`cli: an app started on ${cmd.dataDir} while the CLI prepared the stop; run the command again to reach it. (${e.message})\n`);
      return 2;
    }
    if (e instanceof RuntimeStartError) {
      io.err(`cli: cannot open ${cmd.dataDir} to stop trading: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  try {
    const result = await runtime.dispatch('killswitch:engage', cmd.flatten === undefined ? { source: 'cli' } : { source: 'cli', flatten: cmd.flatten });
    if (!result.ok) {
      io.err(`cli: the emergency stop was refused: ${result.error.message}\n`);
      return 1;
    }
    if (!isStopReport(result.value)) throw new Error('killswitch:engage did not return a stop report');
    return finish(result.value, `no app was running on ${cmd.dataDir}: the CLI latched the store and cancelled at the broker itself`, cmd, io);
  } finally {
    await runtime.shutdown();
  }
}

// ---------- the command ----------

export async function runStopCommand(cmd: StopCommand, io: CliIo, timeouts: StopTimeouts = DEFAULT_STOP_TIMEOUTS): Promise<number> {
  const problem = dataDirProblem(cmd.dataDir);
  if (problem !== null) {
    io.err(`cli: ${problem}\n`);
    return 2;
  }
  const deadline = Date.now() + timeouts.reachMs;
  let holder: LockInfo | null = null;
  let why = '';
  for (;;) {
    let state: LockState;
    try {
      state = inspectLock(cmd.dataDir);
    } catch (e) {
      io.err(`cli: cannot read ${lockPathFor(cmd.dataDir)}: ${errorMessage(e)}; run the CLI as the user that runs the app.\n`);
      return 2;
    }
    if (state.kind === 'free' || state.kind === 'stale' || (state.kind === 'unreadable' && state.ageMs >= UNREADABLE_GRACE_MS)) {
      // a stale lock is taken over by the runtime, which logs whose it was
      return stopHere(cmd, io);
    }
    if (state.kind === 'live') {
      holder = state.info;
      const { controlPort, controlToken } = state.info;
      if (controlPort !== undefined && controlToken !== undefined) {
        const health = await callControl(controlPort, 'GET', CONTROL_HEALTH_PATH, deadline - Date.now());
        if (health.kind === 'answer' && health.status === 200) return stopThere(cmd, io, { ...state.info, controlPort, controlToken }, timeouts);
        why =
          health.kind === 'answer'
            ? `its control endpoint answered HTTP ${health.status}`
            : health.kind === 'refused'
              ? 'its control endpoint refuses connections (it may be shutting down)'
              : health.kind === 'timeout'
                ? 'its control endpoint did not answer'
                : `its control endpoint failed: ${health.message}`;
      } else {
        why = 'it has not opened a control endpoint (it may still be starting)';
      }
    } else {
      why = 'its lock file is being written (it may be starting)';
    }
    if (Date.now() + RETRY_MS >= deadline) break;
    // a starting app records its endpoint shortly; a closing one removes its lock
    await sleep(RETRY_MS);
  }
  io.err(
    `cli: ${holder ? holderName(holder) : 'a process'} holds ${cmd.dataDir} but did not answer within ${timeouts.reachMs / 1000} s: ` +
      `it seems hung (${why}). The CLI will not open the store under a live lock: two engines would both trade. ` +
      `Stop that process from its window, tray or terminal${holder ? ` (or kill ${holder.pid})` : ''}, ` +
      'then run this command again: with no app running it latches the store and cancels at the broker itself.\n',
  );
  return 2;
}
