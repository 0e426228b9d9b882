// Startup figure of issue 2: the whole runtime start on a journal of 1,000,000 fills.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../../electron/runtime';
import { summarize, type Bench } from './lib';
import { buildJournalFixture } from './store.bench';

/**
 * The whole startup path on a big journal: open (integrity check of the state tables), restore,
 * engine start with reconciliation against the simulator, strategies warmed up. Each run starts
 * from a fresh copy, because reconciliation writes what it finds.
 */
async function startupRestore(b: Bench, runs: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  const fixture = join(root, 'fixture');
  buildJournalFixture(fixture);
  const times: number[] = [];
  let positions = 0;
  try {
    for (let i = 0; i < runs; i++) {
      const dir = join(root, `run-${i}`);
      cpSync(fixture, dir, { recursive: true });
      const t0 = performance.now();
      const rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1 });
      times.push(performance.now() - t0);
      positions = rt.engine.state.positions.size;
      await rt.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  if (positions !== 100) throw new Error(`startup restored ${positions} positions, expected 100`);
  const s = summarize(times);
  b.record({ name: 'startup restore, 1M journaled fills + 100 positions (full runtime start)', value: s.median, unit: 'ms', target: '< 500 ms', met: s.median < 500, note: `median of ${s.n} runs, max ${s.max.toFixed(0)} ms: open + integrity check of state tables + restore + reconciliation with the simulator + strategy warm-up` });
}

export default async function (b: Bench): Promise<void> {
  await startupRestore(b, 5);
}
