// The soak's arithmetic and command line (pure; runs in npm test, the soak itself does not).
import { describe, expect, it } from 'vitest';
import { MB, memoryGrowth, queueVerdict, slope, soakFigures, type SoakInputs } from './analysis';
import { parseSoakArgs } from './options';
import { mergeSoakFigures } from './results';

describe('soak analysis', () => {
  it('measures growth from the lowest point after warm-up, and its slope', () => {
    const samples = [0, 1, 2, 3, 4, 5].map((i) => ({ t: i * 60_000, bars: i * 100_000, rss: (i === 0 ? 500 : 100 + 10 * i) * MB, heapUsed: 50 * MB, rssAnon: NaN }));
    const g = memoryGrowth(samples, 100_000, 'rss')!;
    expect(g.minAfterWarmup).toBe(110 * MB); // the start-up peak before warm-up does not count
    expect(g.growth).toBe(40 * MB);
    expect(g.perMillionBars / MB).toBeCloseTo(100);
    expect(g.perMinute / MB).toBeCloseTo(10);
    expect(g.floorGrowth).toBe(40 * MB); // 5 samples after warm-up: quarters of one sample each
    const breathing = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ t: i, bars: i, rss: (i % 2 ? 200 : 100) * MB, heapUsed: 0, rssAnon: NaN }));
    expect(memoryGrowth(breathing, 0, 'rss')!.floorGrowth).toBe(0);
    expect(memoryGrowth(samples, 10_000_000, 'rss')).toBeNull();
    expect(memoryGrowth(samples, 0, 'rssAnon')).toBeNull(); // not known on this platform
    expect(slope([1], [1])).toBe(0);
  });

  it('calls a queue that keeps growing unbounded, one that fluctuates bounded', () => {
    expect(queueVerdict('q', [10, 50, 20, 60, 15, 55], 0).bounded).toBe(true);
    expect(queueVerdict('q', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0).bounded).toBe(false);
    expect(queueVerdict('q', [0, 0, 0, 3], 5).bounded).toBe(true); // slack for small queues
    expect(queueVerdict('bytes', [1, 2, 2, 1], 0, 1).bounded).toBe(false); // over the hard limit
  });

  it('turns the run into figures whose targets fail when missed', () => {
    const base: SoakInputs = {
      targetBars: 1000, symbols: 10, barsProcessed: 1200, elapsedMs: 10_000, hostCpuShare: 0.9,
      memory: { growth: 10 * MB, minAfterWarmup: 100 * MB, last: 110 * MB, max: 120 * MB, perMillionBars: MB, perMinute: MB, floorGrowth: 0, samples: 10 },
      anon: null, heap: null, eventLoop: { p50Ms: 1, p99Ms: 5, maxMs: 9, samples: 100 }, eventLoopWholeRun: { p50Ms: 1, p99Ms: 40, maxMs: 300, samples: 150 }, windows: [{ endedAt: 1, p99Ms: 5, maxMs: 9, samples: 50 }],
      queues: [queueVerdict('q', [1, 1], 0)], uiProblems: [], barFramesSkipped: 0, chartBarsMax: 950, chartCap: 1000, latencies: [20, 30], browserHeap: null, dataRoot: '/tmp',
    };
    expect(soakFigures(base).every((f) => f.met)).toBe(true);
    // judged on the soak after warm-up; the start-up's stalls are reported in the note
    const loop = soakFigures(base).find((f) => f.name === 'soak: event-loop delay p99');
    expect(loop?.value).toBe(5);
    expect(loop?.note).toMatch(/since the host started .*p99 40\.0 ms, max 300\.0 ms/);
    const bad = soakFigures({ ...base, barsProcessed: 10, eventLoop: { p50Ms: 1, p99Ms: 12, maxMs: 20, samples: 100 }, chartBarsMax: 1001, latencies: [], uiProblems: ['dropped'] });
    expect(bad.filter((f) => !f.met).map((f) => f.name)).toEqual(['soak: bars processed', 'soak: event-loop delay p99', 'soak: max queue lengths', 'soak: chart bars kept', 'soak: UI input latency p99']);
    // a run whose warm-up never ended has no soak-period figure: missed, not passed
    expect(soakFigures({ ...base, eventLoop: null }).find((f) => f.name === 'soak: event-loop delay p99')?.met).toBe(false);
  });

  it("replaces only the soak's entries in bench-results.json", () => {
    const merged = mergeSoakFigures(
      { at: 'x', node: 'v20', figures: [{ name: 'a', value: 1, unit: 'ms', target: '<2', met: true, bench: 'engine.bench.ts' }, { name: 'old', value: 1, unit: 'ms', target: '', met: true, bench: 'soak' }] },
      [{ name: 'new', value: 2, unit: 'ms', target: '', met: false }],
    );
    expect(merged.figures.map((f) => `${f.bench}:${f.name}`)).toEqual(['engine.bench.ts:a', 'soak:new']);
    expect(merged.at).toBe('x');
    expect(mergeSoakFigures(null, []).figures).toEqual([]);
  });
});

describe('soak command line', () => {
  it('defaults to 2,000,000 bars over 50 symbols and takes the short mode', () => {
    const d = parseSoakArgs([]);
    expect(d.ok && [d.value.bars, d.value.symbols, d.value.warmup, d.value.write]).toEqual([2_000_000, 50, 0.1, true]);
    const s = parseSoakArgs(['--bars', '100000', '--symbols=10', '--no-write', '--data-root', '/dev/shm']);
    expect(s.ok && [s.value.bars, s.value.symbols, s.value.write, s.value.dataRoot]).toEqual([100_000, 10, false, '/dev/shm']);
  });

  it.each([
    [['--bars', 'lots'], /--bars must be a whole number from 1000/],
    [['--symbols', '3'], /--symbols must be a whole number from 7 to 200, got "3"/],
    [['--warmup', '1'], /--warmup must be a number from 0 to 0.9/],
    [['--max-minutes', '0'], /--max-minutes must be a number above 0/],
    [['--bars'], /--bars needs a value/],
    [['--speed', '9'], /unknown option --speed/],
    [['extra'], /unexpected argument "extra"/],
  ])('refuses %j saying what it expects', (argv, message) => {
    const r = parseSoakArgs(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});
