// Crash consistency, reduced run (the full 200+ points per broker: `npm run test:crash`, and the
// crash bench). The runtime trades in a child process that is SIGKILLed at seeded points across
// the order lifecycle and restarted on the same data directory; after every restart the harness
// checks one broker order per intent, no fill lost or applied twice, positions and cash equal to
// the broker's, the trading state and latch preserved, and SQLite's integrity (harness.ts).
// The last two tests break the child on purpose: the checks must see it.
import { describe, expect, it } from 'vitest';
import { runCrashHarness, summary, type CrashRunResult } from './harness';

const SEED = 20_261_121;

function expectClean(r: CrashRunResult, points: number): void {
  const why = `${summary(r)}\n${r.failures.slice(0, 10).map((f) => `point ${f.point} ${f.kind} [${f.counter}] ${f.what}`).join('\n')}`;
  expect(r.failures, why).toEqual([]);
  expect({ crashes: r.crashes, duplicates: r.duplicates, lost: r.lost, doubleApplied: r.doubleApplied, mismatches: r.mismatches, integrityFailures: r.integrityFailures, latchViolations: r.latchViolations }, why).toEqual({
    crashes: points,
    duplicates: 0,
    lost: 0,
    doubleApplied: 0,
    mismatches: 0,
    integrityFailures: 0,
    latchViolations: 0,
  });
  // the run must have exercised something: orders, fills, kills at named hooks, a committed stop
  expect(r.ordersJournaled, why).toBeGreaterThan(points);
  expect(r.fillsJournaled, why).toBeGreaterThan(0);
  expect(r.namedKills, why).toBeGreaterThan(points / 3);
  expect(r.haltsCommitted, why).toBeGreaterThan(0);
}

describe('crash consistency under SIGKILL (reduced run)', () => {
  // the two brokers run side by side: each point waits mostly on a child process starting
  it.concurrent('simulator: 25 seeded kill points, every restart consistent with the broker', async () => {
    const r = await runCrashHarness({ broker: 'sim', seed: SEED, points: 25, freshEvery: 13 });
    console.log(summary(r));
    expectClean(r, 25);
  }, 150_000);

  it.concurrent('Alpaca emulator: 20 seeded kill points, every restart consistent with the broker', async () => {
    const r = await runCrashHarness({ broker: 'alpaca', seed: SEED, points: 20, freshEvery: 10 });
    console.log(summary(r));
    expectClean(r, 20);
  }, 150_000);
});

describe('regressions found by the harness', () => {
  it('simulator: fills missed while down are recovered with the commission the broker charged (cash within a cent)', async () => {
    // every point dies on a fill event before the engine journals it: recovery applies the fill
    const r = await runCrashHarness({ broker: 'sim', seed: SEED, points: 3, freshEvery: 3, onlyKind: 'on_fill' });
    expect(r.namedKills, summary(r)).toBe(3);
    expect(r.failures, summary(r)).toEqual([]);
  }, 60_000);

  it('Alpaca: killed while the emergency stop flattens, the close-outs Alpaca named itself are taken in at restart', async () => {
    // every point dies right after the close-all-positions request was accepted
    const r = await runCrashHarness({ broker: 'alpaca', seed: SEED, points: 3, freshEvery: 3, onlyKind: 'stop_flatten' });
    expect(r.namedKills, summary(r)).toBe(3);
    expect(r.failures.slice(0, 5), summary(r)).toEqual([]);
  }, 60_000);
});

describe('the checks are not vacuous', () => {
  it('a child that resends sent orders after a restart (without asking the journal) is caught as duplicates', async () => {
    const r = await runCrashHarness({ broker: 'sim', seed: SEED, points: 2, freshEvery: 2, onlyKind: 'after_fill_commit', broken: { mode: 'resend', fromPoint: 1 } });
    expect(r.duplicates, summary(r)).toBeGreaterThan(0);
    expect(r.failures.find((f) => f.counter === 'duplicates')?.point).toBe(1);
  }, 60_000);

  it('a journal that loses a committed fill is caught as a lost fill (Alpaca)', async () => {
    const r = await runCrashHarness({ broker: 'alpaca', seed: SEED, points: 2, freshEvery: 2, onlyKind: 'after_fill_commit', broken: { mode: 'drop_fill', fromPoint: 1 } });
    expect(r.lost, summary(r)).toBeGreaterThan(0);
    expect(r.failures.find((f) => f.counter === 'lost')?.point).toBe(1);
  }, 60_000);
});
