// Crash consistency at scale: 200 seeded SIGKILL points on the simulator and 200 on the Alpaca
// emulator (test/crash/harness.ts), each followed by a restart on the same data directory and the
// checks (one broker order per intent, no fill lost or applied twice, positions and cash equal to
// the broker's, trading state and latch preserved, PRAGMA integrity_check). The seed is fixed so
// the figures are comparable between runs; CRASH_BENCH_SEED / CRASH_BENCH_POINTS override them.
import { runCrashHarness, summary, type CrashRunResult } from '../crash/harness';
import type { Bench } from './lib';

const SEED = Number(process.env.CRASH_BENCH_SEED ?? 1);
const POINTS = Number(process.env.CRASH_BENCH_POINTS ?? 200);

function record(b: Bench, r: CrashRunResult): void {
  const name = r.broker === 'sim' ? 'sim' : 'alpaca';
  const note = `seed ${r.seed}, ${r.restarts} restarts, ${r.namedKills} kills at named hooks, ${r.fallbacks} fallbacks, ${r.ordersJournaled} orders / ${r.fillsJournaled} fills, ${r.haltsCommitted} stops / ${r.rearmsCommitted} re-arms committed, ${(r.elapsedMs / 1000).toFixed(0)} s`;
  b.record({ name: `crash: ${name} kill points`, value: r.crashes, unit: 'crashes', target: '>= 200', met: r.crashes >= 200, note });
  b.record({ name: `crash: ${name} duplicates`, value: r.duplicates, unit: 'orders', target: '0', met: r.duplicates === 0, note: 'client_order_ids the broker was asked for more than once' });
  b.record({ name: `crash: ${name} lost fills`, value: r.lost, unit: 'orders', target: '0', met: r.lost === 0, note: 'orders the broker filled further than the journal' });
  b.record({ name: `crash: ${name} double-applied fills`, value: r.doubleApplied, unit: 'orders', target: '0', met: r.doubleApplied === 0, note: 'orders the journal filled further than the broker' });
  b.record({ name: `crash: ${name} mismatches`, value: r.mismatches, unit: 'findings', target: '0', met: r.mismatches === 0, note: 'positions, cash, open orders or unresolved reconciliation differing from the broker' });
  b.record({ name: `crash: ${name} integrity failures`, value: r.integrityFailures, unit: 'checks', target: '0', met: r.integrityFailures === 0, note: 'PRAGMA integrity_check not ok' });
  b.record({ name: `crash: ${name} latch violations`, value: r.latchViolations, unit: 'checks', target: '0', met: r.latchViolations === 0, note: 'trading state or emergency-stop latch not as committed before the kill' });
  b.record({ name: `crash: ${name} elapsed`, value: Math.round(r.elapsedMs / 1000), unit: 's', target: 'info', met: true, note: `${(r.elapsedMs / Math.max(1, r.restarts)).toFixed(0)} ms per restart` });
}

export default async function crashBench(b: Bench): Promise<void> {
  for (const broker of ['sim', 'alpaca'] as const) {
    const r = await runCrashHarness({ broker, seed: SEED, points: POINTS, freshEvery: 25 });
    console.log(summary(r));
    for (const f of r.failures.slice(0, 20)) console.log(`  ${f.broker} seed ${f.seed} point ${f.point} ${f.kind} [${f.counter}] ${f.what}`);
    record(b, r);
  }
}
