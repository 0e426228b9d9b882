// Walk-forward: windows never overlap their future, parameters are chosen on train bars only,
// and a strategy that peeks at future bars is caught by the look-ahead audit.
import { describe, expect, it } from 'vitest';
import type { BarColumns } from '../../../engine/backtest/columns';
import { catalogueFactory, gridPoints, validPoints, type StrategyFactory } from '../../../engine/backtest/sweep';
import { LookaheadError, runWalkForward, walkForwardWindows } from '../../../engine/backtest/walkForward';
import type { Bar } from '../../../engine/domain/types';
import type { Signal, Strategy } from '../../../engine/strategies/types';
import { syntheticColumns } from './synthetic';

const config = { cash: 10_000, commission: { pct: 0.001 }, allowShort: true };

describe('walkForwardWindows', () => {
  it('rolling 40/20 windows over 100 bars: three windows, each test right after its train, tests tiling the rest', () => {
    expect(walkForwardWindows(100, { trainBars: 40, testBars: 20 }).map((w) => [w.trainFrom, w.trainTo, w.testFrom, w.testTo])).toEqual([
      [0, 40, 40, 60],
      [20, 60, 60, 80],
      [40, 80, 80, 100],
    ]);
  });

  it('anchored windows always train from bar 0', () => {
    expect(walkForwardWindows(100, { trainBars: 40, testBars: 20, anchored: true }).map((w) => w.trainFrom)).toEqual([0, 0, 0]);
  });

  it('refuses windows that do not fit, naming the numbers', () => {
    expect(() => walkForwardWindows(50, { trainBars: 40, testBars: 20 })).toThrow(/trainBars \+ testBars \(60\) <= the 50 bars available/);
    expect(() => walkForwardWindows(500, { trainBars: 10, testBars: 20 })).toThrow(/trainBars must be a whole number of bars >= 20, got 10/);
  });
});

/** perfect foresight: trades in the direction of the NEXT close, read from the data it was given */
class Peeker implements Strategy {
  readonly id = 'peeker';
  readonly warmup = 1;
  constructor(private readonly data: BarColumns) {}
  onBar(bar: Bar): Signal | null {
    const at = this.data.t.indexOf(bar.t);
    const next = this.data.c[at + 1];
    if (next === undefined) return null;
    return { direction: next > bar.c ? 'long' : 'short', reason: 'knows tomorrow', indicators: {} };
  }
  values(): Record<string, number> {
    return {};
  }
}

describe('runWalkForward', () => {
  const cols = syntheticColumns(3000, 7);
  const points = validPoints('sma-cross', gridPoints({ fast: [5, 10, 20], slow: [10, 30, 60] })).valid;

  it('picks each window\'s parameters from the grid using only its train bars, then reports out-of-sample metrics', () => {
    const seenByFactory: { lastT: number; bytes: number; length: number }[] = [];
    const inner = catalogueFactory('sma-cross');
    const factory: StrategyFactory = (p, data) => {
      seenByFactory.push({ lastT: data.t[data.length - 1]!, bytes: data.c.buffer.byteLength, length: data.length });
      return inner(p, data);
    };
    const windows = walkForwardWindows(cols.length, { trainBars: 1000, testBars: 500 });
    const progress: number[] = [];
    const r = runWalkForward(cols, factory, points, { trainBars: 1000, testBars: 500 }, config, { onProgress: (d) => progress.push(d) });
    expect(r.windows.length).toBe(windows.length);
    expect(progress).toEqual(windows.map((_, i) => i + 1));
    for (const w of r.windows) {
      expect(points).toContainEqual(w.params);
      expect(Number.isFinite(w.test.totalReturn)).toBe(true);
    }
    // every segment handed out is a copy: its buffer holds exactly its own bars, nothing later
    expect(seenByFactory.every((s) => s.bytes === s.length * 8)).toBe(true);
    // the training runs of window 0 never saw a bar at or after its test start
    const firstTest = cols.t[windows[0]!.testFrom]!;
    expect(seenByFactory.slice(0, points.length).every((s) => s.lastT < firstTest)).toBe(true);
    expect(r.fractionPositiveSharpe).toBe(r.positiveSharpe / r.windows.length);
  });

  it('a strategy that reads the next bar from its data is caught with a LookaheadError naming the window and bar', () => {
    const peek: StrategyFactory = (_p, data) => new Peeker(data);
    expect(() => runWalkForward(cols, peek, [{}], { trainBars: 1000, testBars: 500 }, config)).toThrow(LookaheadError);
    expect(() => runWalkForward(cols, peek, [{}], { trainBars: 1000, testBars: 500 }, config)).toThrow(
      /walk-forward window 0: signals before bar \d+ changed when only bars from \d+ on were altered .* uses future data/,
    );
  });

  it('without the audit the same peeker shows the too-good-to-be-true result the audit exists to stop', () => {
    const r = runWalkForward(cols, (_p, data) => new Peeker(data), [{}], { trainBars: 1000, testBars: 500 }, config, { audit: false });
    expect(r.windows.every((w) => w.test.winRate > 0.6)).toBe(true);
  });

  it('can be cancelled between windows', () => {
    let calls = 0;
    expect(() => runWalkForward(cols, catalogueFactory('sma-cross'), points, { trainBars: 1000, testBars: 500 }, config, { isCancelled: () => ++calls > 2 })).toThrow(/walk-forward was cancelled|parameter sweep was cancelled/);
  });
});
