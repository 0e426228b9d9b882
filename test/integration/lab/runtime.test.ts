// The runtime both hosts share routes `lab:*` requests to the lab service and everything else to
// the engine, forwards the lab's events to the same subscribers, and stops the lab with itself:
// a backtest on a simulator symbol's cached bars runs end to end through runtime.dispatch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, Result } from '../../../engine/api/contract';
import type { LabDataset, LabRunFinished, LabRunStatus } from '../../../engine/api/lab';
import { startRuntime, type SimRuntime } from '../../../electron/runtime';

let dir: string;
let rt: SimRuntime;
const events: EngineEvent[] = [];

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe('runtime with the lab', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lab-runtime-'));
    rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 5, simSeed: 3 });
    rt.subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    await rt?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every simulator symbol with its cached bars as a dataset', async () => {
    const datasets = value<LabDataset[]>(await rt.dispatch('lab:datasets', {}));
    const symbols = rt.market.instruments().map((i) => `sim:${i.symbol}`);
    expect(datasets.map((d) => d.id)).toEqual(symbols);
    for (const d of datasets) {
      expect(d.source).toBe('sim');
      expect(d.bars).toBeGreaterThan(100);
      expect(d.bars).toBe(rt.store.barCoverage(d.id.slice(4), rt.market.timeframe)?.count);
    }
  });

  it('a backtest on a simulator symbol runs through runtime.dispatch, its events reach runtime subscribers, and the engine still answers', async () => {
    const symbol = rt.market.instruments()[0]!.symbol;
    const started = value<LabRunStatus>(
      await rt.dispatch('lab:run_backtest', { dataset: `sim:${symbol}`, strategy: { kind: 'single', id: 'sma-cross', params: { fast: 5, slow: 20 } }, costs: { commission: { perShare: 0.005 } } }),
    );
    // the engine's own channels are still the engine's
    expect((await rt.dispatch('app:snapshot', {})).ok).toBe(true);
    const finished = await new Promise<LabRunFinished>((resolve) => {
      const check = (): boolean => {
        const e = events.find((x) => x.name === 'lab:finished' && x.payload.runId === started.runId);
        if (e?.name === 'lab:finished') resolve(e.payload);
        return e !== undefined;
      };
      if (check()) return;
      const stop = rt.subscribe(() => {
        if (check()) stop();
      });
    });
    expect(finished.status).toBe('done');
    expect(finished.result?.setup).toMatchObject({ dataset: `sim:${symbol}`, costs: { commission: { perShare: 0.005 } } });
    expect(events.some((e) => e.name === 'lab:progress' && e.payload.runId === started.runId)).toBe(true);
    expect(events.some((e) => e.name === 'lab:results_changed')).toBe(true);
    expect(value<{ id: string }[]>(await rt.dispatch('lab:results', {})).map((r) => r.id)).toEqual([started.runId]);
  });

  it('an invalid lab request is refused by the lab, an unknown channel by the runtime, both as typed errors', async () => {
    const bad = await rt.dispatch('lab:run_backtest', { dataset: 'sim:AAPL', strategy: { kind: 'single', id: 'sma-cross', params: { slow: 1 } } });
    expect(bad.ok ? null : bad.error.message).toMatch(/slow \(Slow SMA period\) must be a whole number between 2 and 400, got 1/);
    const unknown = await rt.dispatch('lab:teleport', {});
    expect(unknown.ok ? null : unknown.error.code).toBe('unknown_channel');
  });
});
