// app:metrics: the engine's queue lengths (each must stay bounded on a long run), completed by
// the host (bars, memory, CPU, event-loop delay) in electron/runtime.ts; and the bar flush that
// the soak found blocking: a big backlog is saved over several turns, never in one write.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppMetrics } from '../../../engine/api/contract';
import { startRuntime, type SimRuntime } from '../../../electron/runtime';
import { makeHarness, settle, TestClock, type Harness } from './harness';

let h: Harness | null = null;
let rt: SimRuntime | null = null;
let dir: string | null = null;
afterEach(async () => {
  await h?.close();
  h?.cleanup();
  h = null;
  await rt?.shutdown();
  rt = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

async function metricsOf(dispatch: (c: unknown, p: unknown) => Promise<{ ok: boolean; value?: unknown }>): Promise<AppMetrics> {
  const r = await dispatch('app:metrics', {});
  if (!r.ok) throw new Error(`app:metrics failed: ${JSON.stringify(r)}`);
  return r.value as AppMetrics;
}

describe('app:metrics', () => {
  it('reports the engine queues; an engine without a host leaves the host and transport sections null', async () => {
    h = await makeHarness();
    h.market.step(3);
    // the turns of the start are committed; their events wait for the fsync (off-thread) until then
    await settle();
    const m = await metricsOf((c, p) => h!.engine.dispatch(c, p));
    expect(m.engine.barBuffer).toBe(3 * h.market.instruments().length);
    expect(m.engine).toMatchObject({ pendingWrites: 0, pendingPublishes: 0, approvals: 0, openOrders: 0, listeners: 1 });
    expect(m.host).toBeNull();
    expect(m.transport).toBeNull();
  });

  it('refuses a payload it does not take, naming the field', async () => {
    h = await makeHarness();
    const r = await h.engine.dispatch('app:metrics', { reset: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/invalid app:metrics request: .*reset/);
  });

  it('saves a large bar backlog over several turns and ends with an empty buffer', async () => {
    h = await makeHarness();
    const symbols = h.market.instruments().length;
    h.market.step(2000); // 2000 bars per symbol waiting
    expect((await metricsOf((c, p) => h!.engine.dispatch(c, p))).engine.barBuffer).toBe(2000 * symbols);
    h.clock.advance(1000);
    h.engine.tick(); // starts a flush round: the oldest 10 buffers, at most 2048 bars per turn
    const afterFirstTurn = (await metricsOf((c, p) => h!.engine.dispatch(c, p))).engine.barBuffer;
    // the first turn saves part of the backlog (at most 2048 bars, and at most BAR_FLUSH_TURN_MS of work), not all of it
    expect(afterFirstTurn).toBeLessThan(2000 * symbols);
    expect(afterFirstTurn).toBeGreaterThanOrEqual(2000 * symbols - 2048);
    for (let i = 0; i < 50 && (await metricsOf((c, p) => h!.engine.dispatch(c, p))).engine.barBuffer > 0; i++) await new Promise((r) => setImmediate(r));
    expect((await metricsOf((c, p) => h!.engine.dispatch(c, p))).engine.barBuffer).toBe(0);
    // every bar reached the store, in order, none twice
    const stored = h.store.loadRecentBars('AAPL', '1Min', 5000);
    const times = stored.map((b) => b.t);
    expect(new Set(times).size).toBe(times.length);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(stored.at(-1)).toEqual(h.market.lastBar('AAPL'));
  });

  it('takes every symbol holding a turn of bars into the round, so no buffer keeps growing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-round-'));
    const clock = new TestClock();
    // 17 symbols, more than the 10 a round takes by age; a still clock and a slow housekeeping
    // timer, so that only the tick below flushes
    rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 1, simExtraSymbols: 10, clock, housekeepingMs: 600_000 });
    const symbols = rt.market.instruments();
    expect(symbols.length).toBe(17);
    rt.market.step(3000); // every symbol over BAR_FLUSH_BARS_PER_TURN (2048)
    clock.advance(1000);
    rt.engine.tick();
    let left = Infinity;
    for (let i = 0; i < 100 && left > 0; i++) {
      await new Promise((r) => setImmediate(r));
      left = (await metricsOf((c, p) => rt!.dispatch(c, p))).engine.barBuffer;
    }
    // one round emptied all of them, not just the oldest 10 buffers
    expect(left).toBe(0);
    for (const i of symbols) expect(rt.store.loadRecentBars(i.symbol, '1Min', 1).at(-1)).toEqual(rt.market.lastBar(i.symbol));
  });

  it('is completed by the runtime: bars counted, memory, CPU and event-loop delay of the host process', async () => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-rt-'));
    rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 'max', simExtraSymbols: 3 });
    await new Promise((r) => setTimeout(r, 1300)); // one closed event-loop window
    const m = await metricsOf((c, p) => rt!.dispatch(c, p));
    expect(m.host).not.toBeNull();
    const host = m.host!;
    expect(host.barsProcessed).toBeGreaterThan(1000);
    expect(host.memory.rssBytes).toBeGreaterThan(host.memory.heapUsedBytes);
    expect(host.cpuMs).toBeGreaterThan(0);
    expect(host.eventLoopDelay.windowMs).toBe(1000);
    expect(host.eventLoopDelay.overall.samples).toBeGreaterThan(0);
    expect(host.eventLoopDelay.windows.length).toBeGreaterThanOrEqual(1);
    for (const w of host.eventLoopDelay.windows) expect(w.p99Ms).toBeLessThanOrEqual(w.maxMs);
    expect(m.transport).toBeNull();
    // bars keep coming at full speed and the counter follows
    // bounded: 100 ms is plenty on an idle machine; a loaded one gets up to 3 s
    let later = host.barsProcessed;
    for (let i = 0; i < 30 && later <= host.barsProcessed; i++) {
      await new Promise((r) => setTimeout(r, 100));
      later = (await metricsOf((c, p) => rt!.dispatch(c, p))).host!.barsProcessed;
    }
    expect(later).toBeGreaterThan(host.barsProcessed);
  });

  it('keeps a delay period since the last markDelay request, which gets the figures of the period it closes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-mark-'));
    rt = await startRuntime({ dataDir: dir, broker: 'sim', simSpeed: 'max', simExtraSymbols: 3 });
    await new Promise((r) => setTimeout(r, 300));
    const before = (await metricsOf((c, p) => rt!.dispatch(c, p))).host!.eventLoopDelay;
    // nothing marked yet: the period is the host's whole life
    expect(before.sinceMark.markedAt).toBeNull();
    expect(before.sinceMark.samples).toBe(before.overall.samples);
    const closing = await rt.dispatch('app:metrics', { markDelay: true });
    expect(closing.ok).toBe(true);
    if (closing.ok) expect((closing.value as AppMetrics).host!.eventLoopDelay.sinceMark.samples).toBeGreaterThanOrEqual(before.sinceMark.samples);
    await new Promise((r) => setTimeout(r, 100));
    const after = (await metricsOf((c, p) => rt!.dispatch(c, p))).host!.eventLoopDelay;
    expect(after.sinceMark.markedAt).toEqual(expect.any(Number));
    expect(after.sinceMark.samples).toBeGreaterThan(0);
    expect(after.sinceMark.samples).toBeLessThan(after.overall.samples);
    expect(after.sinceMark.p99Ms).toBeLessThanOrEqual(after.sinceMark.maxMs);
    for (const bad of [{ markDelay: false }, { markDelay: 'yes' }]) {
      const r = await rt.dispatch('app:metrics', bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/markDelay/);
    }
  });
});
