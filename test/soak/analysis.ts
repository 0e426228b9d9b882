// The soak's arithmetic, kept pure so it can be unit-tested: memory growth after warm-up and its
// slope, whether a queue stayed bounded, and the figures with their targets.
import type { Figure } from '../bench/lib';
import { summarize } from '../bench/lib';

export const MB = 1024 * 1024;

export interface MemorySample {
  /** ms since the soak started */
  t: number;
  bars: number;
  rss: number;
  heapUsed: number;
  /** anonymous resident memory (Linux /proc), NaN when unknown */
  rssAnon: number;
}

export interface MemoryGrowth {
  /** last sample minus the lowest sample after warm-up, bytes */
  growth: number;
  minAfterWarmup: number;
  last: number;
  max: number;
  /** least-squares slope after warm-up, bytes per million bars and per minute */
  perMillionBars: number;
  perMinute: number;
  /**
   * Lowest value in the last quarter minus lowest in the first quarter (after warm-up): the
   * floor the garbage collector returns to. A leak raises it; a heap that merely breathes
   * between collections does not.
   */
  floorGrowth: number;
  samples: number;
}

/** Least-squares slope of y over x; 0 with fewer than two distinct x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] as number;
    my += ys[i] as number;
  }
  mx /= n;
  my /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    num += dx * ((ys[i] as number) - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : num / den;
}

/** Growth of `field` over the samples taken once `warmupBars` bars were processed. */
export function memoryGrowth(samples: readonly MemorySample[], warmupBars: number, field: 'rss' | 'heapUsed' | 'rssAnon'): MemoryGrowth | null {
  const after = samples.filter((s) => s.bars >= warmupBars && Number.isFinite(s[field]));
  const last = after[after.length - 1];
  if (!last) return null;
  const values = after.map((s) => s[field]);
  const minAfterWarmup = Math.min(...values);
  const quarter = Math.max(1, Math.floor(values.length / 4));
  return {
    floorGrowth: Math.min(...values.slice(-quarter)) - Math.min(...values.slice(0, quarter)),
    growth: last[field] - minAfterWarmup,
    minAfterWarmup,
    last: last[field],
    max: Math.max(...values),
    perMillionBars: slope(after.map((s) => s.bars / 1e6), values),
    perMinute: slope(after.map((s) => s.t / 60_000), values),
    samples: after.length,
  };
}

export interface QueueVerdict {
  name: string;
  max: number;
  firstHalfMax: number;
  secondHalfMax: number;
  bounded: boolean;
}

/**
 * A queue is bounded when the second half of the run (after warm-up) never goes above 1.5 times
 * the first half's maximum plus `slack`: a queue that grows with time or bars fails this (a ramp
 * from zero doubles), one that merely fluctuates does not. `limit`, when given, is a hard
 * ceiling as well.
 */
export function queueVerdict(name: string, series: readonly number[], slack: number, limit = Infinity): QueueVerdict {
  const half = Math.floor(series.length / 2);
  const first = series.slice(0, half);
  const second = series.slice(half);
  const firstHalfMax = first.length ? Math.max(...first) : 0;
  const secondHalfMax = second.length ? Math.max(...second) : 0;
  const max = Math.max(firstHalfMax, secondHalfMax);
  return { name, max, firstHalfMax, secondHalfMax, bounded: secondHalfMax <= 1.5 * firstHalfMax + slack && max <= limit };
}

export interface DelayWindow {
  endedAt: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

export interface SoakInputs {
  targetBars: number;
  symbols: number;
  barsProcessed: number;
  elapsedMs: number;
  /** CPU time the host got over wall time (1 = one core all the time) */
  hostCpuShare: number;
  /** host RSS */
  memory: MemoryGrowth | null;
  /** host anonymous RSS (Linux), null when unknown: when known, the target is judged on it */
  anon: MemoryGrowth | null;
  heap: MemoryGrowth | null;
  /**
   * host event-loop delay over the soak after warm-up (the host's 'since mark' period), the
   * judged figure; null when the warm-up never ended
   */
  eventLoop: { p50Ms: number; p99Ms: number; maxMs: number; samples: number } | null;
  /** the same since the host started: its start-up and the browser's launch included */
  eventLoopWholeRun: { p50Ms: number; p99Ms: number; maxMs: number; samples: number };
  /** per-second windows seen after warm-up */
  windows: readonly DelayWindow[];
  queues: readonly QueueVerdict[];
  /** live-bar frames the host left out for a page that was behind (by design: bounded, not dropped) */
  barFramesSkipped: number;
  /** problems with the UI link (client dropped, banner shown), empty when none */
  uiProblems: readonly string[];
  chartBarsMax: number;
  chartCap: number;
  latencies: readonly number[];
  browserHeap: { first: number; last: number; max: number } | null;
  dataRoot: string;
}

export const TARGETS = {
  memoryGrowthMb: 50,
  eventLoopP99Ms: 10,
  /** RAIL: a response to input within 100 ms feels immediate */
  inputLatencyP99Ms: 100,
};

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : String(x));

export function soakFigures(x: SoakInputs): Figure[] {
  const mb = (b: number): string => f1(b / MB);
  const rate = x.barsProcessed / Math.max(1, x.elapsedMs / 1000);
  const setup =
    `${x.symbols} symbols at full simulator speed, autonomous mode, UI connected through the headless host; ${Math.round(rate).toLocaleString('en-US')} bars/s over ${f1(x.elapsedMs / 1000)} s ` +
    `(counted from the UI being up); host process CPU ${f1(100 * x.hostCpuShare)}% of one core (the simulator at full speed wants ~100%: less means the machine was shared); data in ${x.dataRoot}`;
  const figures: Figure[] = [];
  figures.push({
    name: 'soak: bars processed',
    value: x.barsProcessed,
    unit: 'bars',
    target: `>= ${x.targetBars.toLocaleString('en-US')}`,
    met: x.barsProcessed >= x.targetBars,
    note: setup,
  });
  const m = x.memory;
  // judged on anonymous memory when the kernel tells it apart: RSS also counts the pages of the
  // memory-mapped database the store reads, which grow with the file (up to its mmap_size) and
  // are the OS's cache, not the process's
  const judged = x.anon ?? m;
  const describe = (label: string, g: MemoryGrowth): string =>
    `${label}: growth ${mb(g.growth)} MB (lowest after warm-up ${mb(g.minAfterWarmup)} MB, last ${mb(g.last)} MB, peak ${mb(g.max)} MB), slope ${mb(g.perMillionBars)} MB per million bars (${mb(g.perMinute)} MB/min), floor (lowest of the last vs the first quarter) ${mb(g.floorGrowth)} MB, over ${g.samples} samples`;
  figures.push({
    name: 'soak: memory growth after warm-up',
    value: judged ? judged.growth / MB : NaN,
    unit: 'MB',
    target: `< ${TARGETS.memoryGrowthMb} MB`,
    met: judged !== null && judged.growth / MB < TARGETS.memoryGrowthMb,
    note: m
      ? (x.anon ? `${describe('host anonymous RSS (judged)', x.anon)}; ` : '') +
        describe(x.anon ? 'host RSS incl. the mapped database' : 'host RSS (judged)', m) +
        (x.heap ? `; JS heap used: growth ${mb(x.heap.growth)} MB, floor ${mb(x.heap.floorGrowth)} MB, slope ${mb(x.heap.perMillionBars)} MB per million bars` : '') +
        (x.browserHeap ? `; page JS heap ${mb(x.browserHeap.first)} -> ${mb(x.browserHeap.last)} MB (peak ${mb(x.browserHeap.max)})` : '')
      : 'no samples after warm-up',
  });
  const over = x.windows.filter((w) => w.p99Ms >= TARGETS.eventLoopP99Ms).length;
  const worst = x.windows.reduce((a, w) => Math.max(a, w.p99Ms), 0);
  const el = x.eventLoop;
  const whole = x.eventLoopWholeRun;
  figures.push({
    name: 'soak: event-loop delay p99',
    value: el ? el.p99Ms : NaN,
    unit: 'ms',
    target: `< ${TARGETS.eventLoopP99Ms} ms`,
    met: el !== null && el.samples > 0 && el.p99Ms < TARGETS.eventLoopP99Ms,
    note:
      (el
        ? `host engine thread, monitorEventLoopDelay (2 ms resolution) over the soak after warm-up, the period memory growth is judged on (${el.samples} samples): median ${f1(el.p50Ms)} ms, max ${f1(el.maxMs)} ms`
        : 'the warm-up never ended: no soak-period figure') +
      `; per-second windows after warm-up: worst p99 ${f1(worst)} ms, ${over} of ${x.windows.length} at or over ${TARGETS.eventLoopP99Ms} ms; ` +
      `since the host started (its start-up and the browser's launch included, ${whole.samples} samples): p99 ${f1(whole.p99Ms)} ms, max ${f1(whole.maxMs)} ms`,
  });
  const unbounded = x.queues.filter((q) => !q.bounded);
  figures.push({
    name: 'soak: max queue lengths',
    value: unbounded.length,
    unit: 'queues growing',
    target: '0 (every queue bounded; UI never dropped)',
    met: unbounded.length === 0 && x.uiProblems.length === 0,
    note: `max per queue (first half / second half after warm-up): ${x.queues.map((q) => `${q.name} ${q.max} (${q.firstHalfMax}/${q.secondHalfMax})${q.bounded ? '' : ' GROWING'}`).join(', ')}; live-bar frames left out for the page while it was behind: ${x.barFramesSkipped}` + (x.uiProblems.length ? `; UI: ${x.uiProblems.join('; ')}` : ''),
  });
  figures.push({
    name: 'soak: chart bars kept',
    value: x.chartBarsMax,
    unit: 'bars',
    target: `<= ${x.chartCap}`,
    met: x.chartBarsMax > 0 && x.chartBarsMax <= x.chartCap,
    note: 'most bars the chart on screen held at any sample (its data-bars attribute), read every second',
  });
  const l = summarize([...x.latencies]);
  figures.push({
    name: 'soak: UI input latency p99',
    value: l.p99,
    unit: 'ms',
    target: `< ${TARGETS.inputLatencyP99Ms} ms`,
    met: l.n > 0 && l.p99 < TARGETS.inputLatencyP99Ms,
    note: `real clicks on the screen tabs (Orders & audit, Trade) to the next frame after the DOM changed; median ${f1(l.median)} ms, max ${f1(l.max)} ms over ${l.n} clicks; target from RAIL (respond to input within 100 ms)`,
  });
  return figures;
}
