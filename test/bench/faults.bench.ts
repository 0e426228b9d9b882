// Broker and network faults against the Alpaca emulator (test/integration/faults): for each fault
// kind, whether the real runtime ended consistent with the emulator (journal open orders,
// positions, one order per intent, fills once) and how long that took from removing the fault.
// The scenarios are the suites' own (test/integration/faults/scenarios.ts).
import { removeTempDirs, stopFaultRun } from '../integration/faults/harness';
import { SCENARIOS } from '../integration/faults/scenarios';
import type { Bench } from './lib';

export default async function (b: Bench): Promise<void> {
  try {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      const started = Date.now();
      let outcome: Awaited<ReturnType<typeof scenario>> | null = null;
      try {
        outcome = await scenario();
      } catch (e) {
        b.record({ name: `fault ${name}: consistent`, value: 0, unit: 'bool', target: 'consistent', met: false, note: `the scenario failed: ${e instanceof Error ? e.message : String(e)}` });
        continue;
      } finally {
        await stopFaultRun(outcome?.run ?? null);
      }
      const consistent = outcome.problems.length === 0;
      b.record({
        name: `fault ${name}: consistent`,
        value: consistent ? 1 : 0,
        unit: 'bool',
        target: 'consistent',
        met: consistent,
        note: consistent ? `${outcome.traces.alerts.length} alert(s), ${outcome.traces.audit.length} audit entries; scenario ${Date.now() - started} ms` : outcome.problems.slice(0, 3).join('; '),
      });
      b.record({
        name: `fault ${name}: fault removed -> consistent`,
        value: outcome.recoveryMs,
        unit: 'ms',
        target: '< 8000 ms',
        met: consistent && outcome.recoveryMs < 8_000,
        note: 'wall time from removing the fault (or the outage ending) until journal == emulator, polled every 10 ms',
      });
    }
  } finally {
    removeTempDirs();
  }
}
