// `npm run test:soak`: the long run of issue "Hardening". The headless host runs the simulator
// at full speed (--sim-speed max) on 50 symbols in autonomous mode, the real UI is connected in
// Chromium, and the run goes on until the engine has taken in 2,000,000 bars. Every second it
// samples the host (app:metrics: bars, memory, event-loop delay, queue lengths) and the page
// (bars on the chart); every few seconds it measures input latency in the page. At the end it
// prints the figures, merges them into bench-results.json (bench 'soak') and exits 1 when a
// target is missed, saying which and why.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppMetrics } from '../../engine/api/contract';
import { DEFAULT_MAX_BUFFERED_BYTES } from '../../electron/headless-server';
import { MAX_CHART_BARS } from '../../renderer/chart/bars';
import { MB, memoryGrowth, queueVerdict, soakFigures, type DelayWindow, type MemorySample } from './analysis';
import { startSoakHost, type SoakHost } from './host';
import { parseSoakArgs, SOAK_USAGE, type SoakOptions } from './options';
import { writeSoakFigures } from './results';
import { openSoakUi, type SoakUi } from './ui';
import { openApi, withApi, type ApiSession } from './wsApi';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE_MS = 1000;
const PROGRESS_MS = 10_000;

/** queue name -> slack allowed on top of 1.5 times the first half's maximum (see queueVerdict) */
const QUEUE_SLACK: Record<string, number> = {
  pendingWrites: 1000,
  pendingPublishes: 1000,
  barBuffer: 10_000,
  approvals: 50,
  alerts: 50,
  openOrders: 50,
  recentOrderTimes: 500,
  listeners: 2,
  wsBufferedBytes: 1 * MB,
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function metrics(api: ApiSession): Promise<AppMetrics> {
  const r = await api.request('app:metrics', {});
  if (!r.ok) throw new Error(`app:metrics failed: ${r.error.message}`);
  if (!r.value.host) throw new Error('app:metrics came back without the host section: is dist/ built from this tree (npm run build)?');
  return r.value;
}

/** Every symbol traded by the strategy, autonomous mode on: the engine decides (and writes) on every bar. */
async function goAutonomous(host: SoakHost): Promise<void> {
  await withApi(host.url, async (api) => {
    const snap = await api.request('app:snapshot', {});
    if (!snap.ok) throw new Error(`app:snapshot failed: ${snap.error.message}`);
    const symbols = snap.value.instruments.map((i) => i.symbol);
    const upd = await api.request('settings:update', { patch: { strategy: { symbols } } });
    if (!upd.ok) throw new Error(`could not trade all ${symbols.length} symbols: ${upd.error.message}`);
    const mode = await api.request('supervisor:set_mode', { mode: 'autonomous' });
    if (!mode.ok) throw new Error(`autonomous mode refused: ${mode.error.message}`);
  });
}

interface Run {
  samples: MemorySample[];
  queues: Record<string, number[]>;
  windows: DelayWindow[];
  chartBarsMax: number;
  latencies: number[];
  browserHeap: { first: number; last: number; max: number } | null;
  uiProblems: Set<string>;
  last: AppMetrics | null;
  elapsedMs: number;
  /** bars the engine had taken in when the UI was up and the soak began (not counted) */
  barsBefore: number;
  /** CPU time the host got during the soak, ms */
  hostCpuMs: number;
  /** ms into the soak when the warm-up ended and the host's 'since mark' delay period began */
  delayMarkedAt: number | null;
}

async function soak(opts: SoakOptions, host: SoakHost, ui: SoakUi): Promise<Run> {
  const run: Run = { samples: [], queues: {}, windows: [], chartBarsMax: 0, latencies: [], browserHeap: null, uiProblems: new Set(), last: null, elapsedMs: 0, barsBefore: 0, hostCpuMs: 0, delayMarkedAt: null };
  // one connection for the whole soak, without live bars (see wsApi.ts)
  const poller = await openApi(host.url, { withoutLiveBars: true });
  try {
    return await pollUntilDone(opts, host, ui, poller, run);
  } finally {
    poller.close();
  }
}

async function pollUntilDone(opts: SoakOptions, host: SoakHost, ui: SoakUi, poller: ApiSession, run: Run): Promise<Run> {
  const warmupBars = Math.floor(opts.bars * opts.warmup);
  const t0 = Date.now();
  const deadline = t0 + opts.maxMinutes * 60_000;
  let lastWindow = 0;
  let lastProbe = t0;
  let lastProgress = t0;
  // counted from here: the UI is connected, so every bar below is processed with it watching
  const first = await metrics(poller);
  run.barsBefore = first.host!.barsProcessed;
  const cpuAtStart = first.host!.cpuMs;
  for (;;) {
    const tick = Date.now();
    if (host.exitCode() !== null) throw new Error(`the headless host exited (${String(host.exitCode())}) during the soak; its output:\n${host.output().slice(-4000)}`);
    const m = await metrics(poller);
    const h = m.host!;
    run.last = m;
    run.hostCpuMs = h.cpuMs - cpuAtStart;
    const bars = h.barsProcessed - run.barsBefore;
    const t = Date.now() - t0;
    run.samples.push({ t, bars, rss: h.memory.rssBytes, heapUsed: h.memory.heapUsedBytes, rssAnon: host.rssSplit()?.anon ?? NaN });
    if (bars >= warmupBars && run.delayMarkedAt === null) {
      // the judged event-loop period starts here, where memory growth is measured from
      const r = await poller.request('app:metrics', { markDelay: true });
      if (!r.ok) throw new Error(`app:metrics with markDelay failed: ${r.error.message}`);
      run.delayMarkedAt = Date.now() - t0;
    }
    if (bars >= warmupBars) {
      const q: Record<string, number> = { ...m.engine, wsBufferedBytes: m.transport?.maxBufferedBytes ?? 0 };
      for (const [k, v] of Object.entries(q)) (run.queues[k] ??= []).push(v);
      for (const w of h.eventLoopDelay.windows) if (w.endedAt > lastWindow) run.windows.push(w);
    }
    lastWindow = h.eventLoopDelay.windows.at(-1)?.endedAt ?? lastWindow;
    if ((m.transport?.clients ?? 0) < 2) run.uiProblems.add('the page was not connected at a sample (fewer than 2 WebSocket clients with this poller)');
    if (await ui.disconnected()) run.uiProblems.add('the page showed its connection-lost banner');
    const chart = await ui.chartBars();
    if (chart !== null && Number.isFinite(chart)) run.chartBarsMax = Math.max(run.chartBarsMax, chart);
    if (run.samples.length % 10 === 1) {
      const heap = await ui.jsHeapBytes();
      if (heap !== null) run.browserHeap = run.browserHeap ? { first: run.browserHeap.first, last: heap, max: Math.max(run.browserHeap.max, heap) } : { first: heap, last: heap, max: heap };
    }
    if (Date.now() - lastProbe >= opts.probeEverySec * 1000) {
      lastProbe = Date.now();
      const probe = await ui.probeInputLatency();
      run.latencies.push(...probe.latencies);
      if (probe.problem) run.uiProblems.add(probe.problem);
    }
    if (Date.now() - lastProgress >= PROGRESS_MS) {
      lastProgress = Date.now();
      const rate = bars / Math.max(1, t / 1000);
      const lastW = h.eventLoopDelay.windows.at(-1);
      process.stdout.write(
        `  ${(t / 1000).toFixed(0).padStart(5)} s  ${bars.toLocaleString('en-US').padStart(11)} bars  ${Math.round(rate).toLocaleString('en-US').padStart(7)} bars/s  ` +
          `rss ${(h.memory.rssBytes / MB).toFixed(0)} MB (anon ${((host.rssSplit()?.anon ?? NaN) / MB).toFixed(0)})  heap ${(h.memory.heapUsedBytes / MB).toFixed(0)} MB  ` +
          `loop p99 ${h.eventLoopDelay.overall.p99Ms.toFixed(1)} ms (last s ${lastW ? lastW.p99Ms.toFixed(1) : '-'})  chart ${chart ?? '-'} bars  ` +
          `ws ${m.transport?.maxBufferedBytes ?? 0} B  bar buffer ${m.engine.barBuffer}  host cpu ${((100 * run.hostCpuMs) / Math.max(1, t)).toFixed(0)}%\n`,
      );
    }
    if (bars >= opts.bars) break;
    if (Date.now() > deadline) {
      run.uiProblems.add(`stopped at the --max-minutes limit (${opts.maxMinutes} min) with ${bars} of ${opts.bars} bars`);
      break;
    }
    await sleep(Math.max(0, SAMPLE_MS - (Date.now() - tick)));
  }
  run.elapsedMs = Date.now() - t0;
  const drops = host.output().split('\n').filter((l) => l.includes('dropping a client'));
  if (drops.length > 0) run.uiProblems.add(`the host dropped ${drops.length} WebSocket client(s) that did not read fast enough (first: ${drops[0]?.trim()})`);
  return run;
}

async function main(): Promise<number> {
  const parsed = parseSoakArgs(process.argv.slice(2));
  if (!parsed.ok) {
    process.stderr.write(`test:soak: ${parsed.message}\n${SOAK_USAGE}\n`);
    return 2;
  }
  const opts = parsed.value;
  if (opts.help) {
    process.stdout.write(`${SOAK_USAGE}\n`);
    return 0;
  }
  process.stdout.write(`soak: ${opts.bars.toLocaleString('en-US')} bars over ${opts.symbols} symbols at full speed, UI connected (warm-up ${opts.warmup * 100}% of the bars)\n`);
  const host = await startSoakHost({ symbols: opts.symbols, dataRoot: opts.dataRoot });
  let ui: SoakUi | null = null;
  let run: Run;
  const stop = (): void => {
    void (async () => {
      await ui?.close().catch(() => undefined);
      await host.dispose();
      process.exit(130);
    })();
  };
  process.once('SIGINT', stop);
  try {
    await goAutonomous(host);
    ui = await openSoakUi(host.url);
    run = await soak(opts, host, ui);
  } finally {
    await ui?.close().catch(() => undefined);
    // SOAK_HOST_LOG=<file>: keep the host's last megabyte of output (with SOAK_HOST_NODE_ARGS, for diagnosis)
    if (process.env.SOAK_HOST_LOG) writeFileSync(process.env.SOAK_HOST_LOG, host.output());
    await host.dispose();
    process.off('SIGINT', stop);
  }

  const warmupBars = Math.floor(opts.bars * opts.warmup);
  const last = run.last!.host!;
  const queues = Object.entries(run.queues).map(([name, series]) =>
    queueVerdict(name, series, QUEUE_SLACK[name] ?? 0, name === 'wsBufferedBytes' ? DEFAULT_MAX_BUFFERED_BYTES : Infinity),
  );
  const figures = soakFigures({
    targetBars: opts.bars,
    symbols: opts.symbols,
    barsProcessed: last.barsProcessed - run.barsBefore,
    hostCpuShare: run.hostCpuMs / Math.max(1, run.elapsedMs),
    elapsedMs: run.elapsedMs,
    memory: memoryGrowth(run.samples, warmupBars, 'rss'),
    anon: memoryGrowth(run.samples, warmupBars, 'rssAnon'),
    heap: memoryGrowth(run.samples, warmupBars, 'heapUsed'),
    eventLoop: run.delayMarkedAt === null ? null : last.eventLoopDelay.sinceMark,
    eventLoopWholeRun: last.eventLoopDelay.overall,
    windows: run.windows,
    queues,
    uiProblems: [...run.uiProblems],
    barFramesSkipped: run.last!.transport?.barFramesSkipped ?? 0,
    chartBarsMax: run.chartBarsMax,
    chartCap: MAX_CHART_BARS,
    latencies: run.latencies,
    browserHeap: run.browserHeap,
    dataRoot: opts.dataRoot ?? 'the OS temp dir',
  });

  process.stdout.write('\n');
  for (const f of figures) {
    process.stdout.write(`${f.met ? 'ok  ' : 'MISS'}  ${f.name.padEnd(36)} ${String(+f.value.toPrecision(6)).padStart(10)} ${f.unit.padEnd(15)} target ${f.target}\n        ${f.note ?? ''}\n`);
  }
  if (opts.write) {
    const file = resolve(REPO_ROOT, 'bench-results.json');
    writeSoakFigures(file, figures);
    process.stdout.write(`\nfigures merged into ${file} (bench "soak")\n`);
  }
  const missed = figures.filter((f) => !f.met);
  if (missed.length > 0) {
    process.stderr.write(`\nsoak: ${missed.length} target(s) missed:\n${missed.map((f) => `  - ${f.name}: ${+f.value.toPrecision(6)} ${f.unit}, target ${f.target}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write('\nsoak: every target met\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`soak failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
