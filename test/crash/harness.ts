// Crash-consistency harness: runs the real runtime (engine + SQLite journal + simulator, or the
// Alpaca adapter against the emulator running in this process) in a child process, kills it with
// SIGKILL at seeded points across the order lifecycle, restarts it on the same data directory,
// and checks after every restart:
//   (a) one broker order per intent: no client_order_id submitted to the broker twice, every
//       broker order journaled;
//   (b) no fill lost or applied twice: the journal's fills per order equal the broker's filled
//       quantity; positions and cash (within a cent) equal the broker's, in the journal and in
//       the restarted engine;
//   (c) the trading state and the emergency-stop latch are what was committed before the kill;
//   (d) `PRAGMA integrity_check` is 'ok' on the journal (and on the simulator's ledger).
// State accumulates across the points of a block; every `freshEvery` points a block ends with one
// more restart that is checked and stopped cleanly, and the next block starts on a fresh data
// directory (and, for Alpaca, a fresh emulator).
//
// Use:
//   npm run test:crash -- --seed 7                      200 points on each broker, seed 7
//   npm run test:crash -- --broker sim --points 50      one broker, fewer points
//   npm run test:crash -- --broker alpaca --seed 7 --point 42
//        replays exactly the block that holds point 42 (its points from the block's start up to
//        42, then the final check) and keeps the data directory for inspection.
//   npm run test:crash -- --broker alpaca --no-flatten   stops never close positions
// A failure names its broker, seed and point index: that is all a replay needs. Plans (where to
// die, when to engage the stop, the order stream) are a pure function of (seed, index); the
// moment of a `random` kill is wall-clock time, so a replay lands near, not on, the same instruction.
//
// Flattening on Alpaca: the stop's close-all-positions request makes orders whose ids Alpaca
// chooses. A kill after that request was accepted but before their trade updates were journaled
// used to leave them unknown to the journal (found by this harness: --broker alpaca --seed 3,
// point 3); reconciliation now takes in the broker's newest orders that close journal positions
// after a flatten (engine/reconciliation.ts, adoptFlattenOrders), and both brokers flatten.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { TradingStateRecord } from '../../engine/domain/types';
import type { Emulator } from '../emulator/server';
import { emulatorEnv, emulatorNow } from '../integration/alpaca-runtime/harness';
import { bundleChild, type BundledChild } from './bundle';
import {
  checkAgainstBroker,
  checkTradingState,
  durableTradingState,
  emulatorBooks,
  integrityProblems,
  recordEmulatorSubmissions,
  simBooks,
  SIM_LEDGER_FILE,
  STORE_FILE,
  zeroCounters,
  type Counters,
  type ExpectedState,
  type Finding,
} from './checks';
import { planPoint, type BrokenMode, type PointKind, type PointPlan } from './plan';
import { LINE, type ChildConfig, type Snapshot } from './protocol';

export interface CrashRunOptions {
  broker: 'sim' | 'alpaca';
  seed: number;
  /** kill points in the run */
  points: number;
  /** a fresh data directory every this many points (default 25) */
  freshEvery?: number;
  /** replay only the block holding this point index, up to it */
  onlyPoint?: number;
  /** force every point to this kind (tests of one hook) */
  onlyKind?: PointKind;
  /** a deliberately broken child from this point on: the checks must catch it */
  broken?: { mode: BrokenMode; fromPoint: number } | null;
  /** keep the data directories of blocks with failures (and print where) */
  keepFailedDirs?: boolean;
  /** let emergency stops close positions (default true) */
  flatten?: boolean;
  /** a named point not reached by then is killed anyway (counted in `fallbacks`); default 6 s */
  fallbackMs?: number;
  log?: (line: string) => void;
}

export interface CrashFailure {
  broker: 'sim' | 'alpaca';
  seed: number;
  /** the point whose restart found it (-1: the final check of a block, after its last point) */
  point: number;
  kind: PointKind | 'final-check';
  counter: keyof Counters | 'harness';
  what: string;
}

export interface CrashRunResult extends Counters {
  broker: 'sim' | 'alpaca';
  seed: number;
  points: number;
  /** children that died by SIGKILL */
  crashes: number;
  /** of those, killed at their named hook (the rest by the parent: random delays and fallbacks) */
  namedKills: number;
  /** named points not reached in time, killed by the parent instead */
  fallbacks: number;
  /** child starts, each a restart on the data directory but a block's first */
  restarts: number;
  /** emergency stops committed (halted + latched) and re-arms committed, across the run */
  haltsCommitted: number;
  rearmsCommitted: number;
  ordersJournaled: number;
  fillsJournaled: number;
  kinds: Partial<Record<PointKind, number>>;
  elapsedMs: number;
  failures: CrashFailure[];
  keptDirs: string[];
}

interface ChildRun {
  snapshot: Snapshot | null;
  signal: NodeJS.Signals | null;
  code: number | null;
  killedByHook: boolean;
  fallback: boolean;
  /** trading-state lines printed after RECOVERED */
  states: { durable: boolean; rec: TradingStateRecord }[];
  stderr: string;
  /** the checks, run while the child waited between RECOVERED and GO */
  findings: Finding[];
}

/** One child: restart, report, be checked, then trade until killed (or stop cleanly when plan is null). */
function runChild(args: {
  child: BundledChild;
  cfg: ChildConfig;
  env: Record<string, string>;
  emu: Emulator | null;
  check: (snap: Snapshot) => Finding[];
  fallbackMs: number;
}): Promise<ChildRun> {
  const { cfg, emu } = args;
  return new Promise((done) => {
    const p = spawn(process.execPath, [args.child.file], { env: { ...process.env, ...args.env, CRASH_CHILD: JSON.stringify(cfg) }, stdio: ['pipe', 'pipe', 'pipe'] });
    const run: ChildRun = { snapshot: null, signal: null, code: null, killedByHook: false, fallback: false, states: [], stderr: '', findings: [] };
    const timers: NodeJS.Timeout[] = [];
    let ticker: NodeJS.Timeout | null = null;
    let buf = '';
    timers.push(
      setTimeout(() => {
        if (run.snapshot) return;
        run.findings.push({ counter: 'mismatches', what: 'the child did not finish its restart within 30 s' });
        p.kill('SIGKILL');
      }, 30_000),
    );
    const onLine = (line: string): void => {
      if (line.startsWith(LINE.recovered)) {
        const snap = JSON.parse(line.slice(LINE.recovered.length)) as Snapshot;
        run.snapshot = snap;
        try {
          run.findings.push(...args.check(snap));
        } catch (e) {
          run.findings.push({ counter: 'mismatches', what: `the checks could not run: ${(e as Error).message}` });
        }
        if (!cfg.plan) {
          p.stdin.write('STOP\n');
          timers.push(setTimeout(() => p.kill('SIGKILL'), 20_000));
          return;
        }
        const plan = cfg.plan;
        p.stdin.write('GO\n');
        // the emulator's market moves only while the child trades, so the checks see a still picture
        if (emu) ticker = setInterval(() => emu.advance(1), 120);
        if (plan.kind === 'random') timers.push(setTimeout(() => p.kill('SIGKILL'), plan.delayMs));
        timers.push(
          setTimeout(() => {
            run.fallback = true;
            p.kill('SIGKILL');
          }, args.fallbackMs),
        );
      } else if (line.startsWith(LINE.killing)) {
        run.killedByHook = true;
      } else if (run.snapshot && line.startsWith(LINE.stateBegin)) {
        run.states.push({ durable: false, rec: JSON.parse(line.slice(LINE.stateBegin.length)) as TradingStateRecord });
      } else if (run.snapshot && line.startsWith(LINE.stateDurable)) {
        run.states.push({ durable: true, rec: JSON.parse(line.slice(LINE.stateDurable.length)) as TradingStateRecord });
      }
    };
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    p.stderr.on('data', (d: Buffer) => {
      run.stderr = (run.stderr + d.toString()).slice(-4000);
    });
    p.stdin.on('error', () => undefined); // the child died while we wrote: its exit says the rest
    p.on('exit', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      if (ticker) clearInterval(ticker);
      run.code = code;
      run.signal = signal;
      done(run);
    });
  });
}

/** What the trading state must be on disk after this run's kill. */
function expectationAfter(start: TradingStateRecord, states: ChildRun['states']): ExpectedState {
  let durable: TradingStateRecord = start;
  let inFlight: TradingStateRecord | null = null;
  for (const s of states) {
    if (s.durable) {
      durable = s.rec;
      inFlight = null;
    } else inFlight = s.rec;
  }
  return { durable, inFlight };
}

function countRows(dataDir: string): { orders: number; fills: number } {
  const db = new Database(join(dataDir, STORE_FILE), { readonly: true, fileMustExist: true });
  try {
    return { orders: db.prepare<[], number>('SELECT count(*) FROM orders').pluck().get() ?? 0, fills: db.prepare<[], number>('SELECT count(*) FROM fills').pluck().get() ?? 0 };
  } finally {
    db.close();
  }
}

export async function runCrashHarness(opts: CrashRunOptions): Promise<CrashRunResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const freshEvery = opts.freshEvery ?? 25;
  if (!Number.isInteger(opts.points) || opts.points < 1) throw new Error(`points must be a whole number >= 1, got ${opts.points}`);
  if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new Error(`seed must be a whole number >= 0, got ${opts.seed}`);
  if (!Number.isInteger(freshEvery) || freshEvery < 1) throw new Error(`freshEvery must be a whole number >= 1, got ${freshEvery}`);
  if (opts.onlyPoint !== undefined && !(Number.isInteger(opts.onlyPoint) && opts.onlyPoint >= 0 && opts.onlyPoint < opts.points)) {
    throw new Error(`onlyPoint must be a point index in 0..${opts.points - 1}, got ${opts.onlyPoint}`);
  }
  const result: CrashRunResult = {
    broker: opts.broker,
    seed: opts.seed,
    points: 0,
    crashes: 0,
    namedKills: 0,
    fallbacks: 0,
    restarts: 0,
    haltsCommitted: 0,
    rearmsCommitted: 0,
    ordersJournaled: 0,
    fillsJournaled: 0,
    kinds: {},
    ...zeroCounters(),
    elapsedMs: 0,
    failures: [],
    keptDirs: [],
  };
  const child = await bundleChild();
  const fail = (point: number, kind: CrashFailure['kind'], findings: Finding[]): void => {
    for (const f of findings) {
      result[f.counter]++;
      result.failures.push({ broker: opts.broker, seed: opts.seed, point, kind, counter: f.counter, what: f.what });
      log(`  FAIL ${opts.broker} seed ${opts.seed} point ${point} (${kind}): [${f.counter}] ${f.what}`);
    }
  };
  const harnessFail = (point: number, kind: CrashFailure['kind'], what: string): void => {
    result.failures.push({ broker: opts.broker, seed: opts.seed, point, kind, counter: 'harness', what });
    log(`  FAIL ${opts.broker} seed ${opts.seed} point ${point} (${kind}): [harness] ${what}`);
  };

  try {
    const first = opts.onlyPoint !== undefined ? opts.onlyPoint - (opts.onlyPoint % freshEvery) : 0;
    const last = opts.onlyPoint !== undefined ? opts.onlyPoint : opts.points - 1;
    for (let blockStart = first; blockStart <= last; blockStart += freshEvery) {
      const blockEnd = Math.min(blockStart + freshEvery - 1, last);
      const dataDir = mkdtempSync(join(tmpdir(), `crash-${opts.broker}-`));
      const failuresBefore = result.failures.length;
      let emu: Emulator | null = null;
      let submissions = new Map<string, number>();
      let env: Record<string, string> = {};
      if (opts.broker === 'alpaca') {
        emu = await emulatorNow();
        submissions = recordEmulatorSubmissions(emu);
        env = emulatorEnv(emu) as Record<string, string>;
      }
      const files = opts.broker === 'sim' ? [STORE_FILE, SIM_LEDGER_FILE] : [STORE_FILE];
      try {
        let expected: ExpectedState = { durable: null, inFlight: null };
        for (let i = blockStart; i <= blockEnd + 1; i++) {
          const final = i === blockEnd + 1;
          const plan: PointPlan | null = final ? null : planPoint(opts.seed, i, opts.onlyKind, opts.flatten ?? true);
          const label: CrashFailure['kind'] = plan ? plan.kind : 'final-check';
          const point = plan ? i : -1;
          // (c) before the restart: what the kill left committed
          const onDisk = durableTradingState(dataDir);
          fail(point, label, checkTradingState(expected, onDisk));
          const broken = opts.broken && i >= opts.broken.fromPoint && !final ? opts.broken.mode : null;
          const cfg: ChildConfig = { dataDir, broker: opts.broker, simSeed: (opts.seed % 100_000) + 1, plan, broken };
          const run = await runChild({
            child,
            cfg,
            env,
            emu,
            fallbackMs: opts.fallbackMs ?? 6_000,
            check: (snap) => {
              const problems = integrityProblems(dataDir, files);
              const books = opts.broker === 'sim' ? simBooks(dataDir) : emulatorBooks(emu as Emulator, submissions);
              return [...problems.map((p): Finding => ({ counter: 'integrityFailures', what: `PRAGMA integrity_check: ${p}` })), ...checkAgainstBroker(dataDir, books, snap, onDisk)];
            },
          });
          result.restarts++;
          fail(point, label, run.findings);
          if (!run.snapshot) {
            harnessFail(point, label, `the child never reported its restart (exit ${run.code ?? run.signal}); stderr: ${run.stderr.slice(-1500)}`);
            break;
          }
          for (const s of run.states) {
            if (!s.durable) continue;
            if (s.rec.state === 'halted' && s.rec.latched) result.haltsCommitted++;
            if (s.rec.state === 'active' && s.rec.setBy === 'user') result.rearmsCommitted++;
          }
          if (final) {
            if (run.code !== 0) harnessFail(point, label, `the final check's child did not stop cleanly (exit ${run.code ?? run.signal}); stderr: ${run.stderr.slice(-1500)}`);
            continue;
          }
          result.points++;
          result.kinds[label as PointKind] = (result.kinds[label as PointKind] ?? 0) + 1;
          if (run.signal !== 'SIGKILL') {
            harnessFail(point, label, `the child exited on its own (code ${run.code}) instead of being killed; stderr: ${run.stderr.slice(-1500)}`);
            expected = { durable: durableTradingState(dataDir), inFlight: null };
            continue;
          }
          result.crashes++;
          if (run.killedByHook) result.namedKills++;
          else if (run.fallback && plan?.kind !== 'random') result.fallbacks++;
          expected = expectationAfter(run.snapshot.tradingState, run.states);
          if (i % 10 === 0 || i === blockEnd) log(`  ${opts.broker} point ${i}: ${label}${run.killedByHook ? '' : run.fallback ? ' (fallback kill)' : ''}, ${result.crashes} crashes, ${result.failures.length} failures`);
        }
        const rows = countRows(dataDir);
        result.ordersJournaled += rows.orders;
        result.fillsJournaled += rows.fills;
      } finally {
        await emu?.close();
        if (opts.keepFailedDirs && (result.failures.length > failuresBefore || opts.onlyPoint !== undefined)) {
          result.keptDirs.push(dataDir);
          log(`  data directory kept: ${dataDir}`);
        } else rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    child.dispose();
  }
  result.elapsedMs = Math.round(performance.now() - t0);
  return result;
}

/** The counters that must be zero, in one line (for reports and assertion messages). */
export function summary(r: CrashRunResult): string {
  return (
    `${r.broker} seed ${r.seed}: ${r.points} points, ${r.crashes} crashes (${r.namedKills} at named hooks, ${r.fallbacks} fallbacks), ${r.restarts} restarts, ` +
    `${r.ordersJournaled} orders / ${r.fillsJournaled} fills journaled, ${r.haltsCommitted} halts / ${r.rearmsCommitted} re-arms committed; ` +
    `duplicates ${r.duplicates}, lost ${r.lost}, double-applied ${r.doubleApplied}, mismatches ${r.mismatches}, integrity ${r.integrityFailures}, latch ${r.latchViolations}, ` +
    `harness failures ${r.failures.filter((f) => f.counter === 'harness').length}; ${(r.elapsedMs / 1000).toFixed(1)} s`
  );
}
