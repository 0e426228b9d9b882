// Backtester rules on small hand-made bar series, each figure worked out by hand: fills at the
// next open, costs, slippage, sizing, shorting, limit/stop entries and intrabar exits.
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../engine/backtest/backtester';
import type { BarColumns } from '../../../engine/backtest/columns';
import { pyFloorDiv } from '../../../engine/backtest/pyFloorDiv';
import type { BacktestConfig } from '../../../engine/backtest/types';
import type { Bar } from '../../../engine/domain/types';
import type { Direction, Signal, Strategy } from '../../../engine/strategies/types';
import { ScriptedStrategy } from '../strategies/scripted';

const F = 1 - 2 ** -52;

/** bars from [open, high, low, close] rows, one day apart */
function cols(rows: [number, number, number, number][]): BarColumns {
  const n = rows.length;
  const c = { length: n, t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
  rows.forEach(([o, h, l, cl], i) => {
    c.t[i] = i * 86_400_000;
    c.o[i] = o;
    c.h[i] = h;
    c.l[i] = l;
    c.c[i] = cl;
    c.v[i] = 1;
  });
  return c;
}

/** open = close = 10 + i, high/low ±1: true range 2 on every bar */
const ramp = (n: number): BarColumns => cols(Array.from({ length: n }, (_, i) => [10 + i, 11 + i, 9 + i, 10 + i] as [number, number, number, number]));

const run = (c: BarColumns, script: Record<number, Direction>, config: Partial<BacktestConfig> = {}) =>
  runBacktest(c, new ScriptedStrategy('s', script), { cash: 1000, ...config });

describe('market orders, costs and slippage', () => {
  it('fills at the next bar open and charges fixed + per-share + % commission at entry and at exit', () => {
    const r = run(ramp(5), { 0: 'long', 2: 'flat' }, { commission: { pct: 0.01, perShare: 0.1, fixed: 1 } });
    // size = floor((1000 f - 1) / (11 + 0.1 + 0.11)) = 89; entry 1 + 8.9 + 9.79; exit 1 + 8.9 + 11.57
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0]!;
    expect([t.side, t.size, t.entryIndex, t.entryPrice, t.exitIndex, t.exitPrice]).toEqual(['long', 89, 1, 11, 3, 13]);
    expect(t.commission).toBeCloseTo(19.69 + 21.47, 9);
    expect(t.pnl).toBeCloseTo(89 * 2 - 19.69 - 21.47, 9);
    expect(r.finalEquity).toBeCloseTo(1000 + t.pnl, 9);
    expect(r.totalCommission).toBeCloseTo(41.16, 9);
  });

  it('bps slippage moves each fill against the order: buy 1% above the open, sell 1% below', () => {
    const t = run(ramp(5), { 0: 'long', 2: 'flat' }, { slippage: { kind: 'bps', bps: 100 } }).trades[0]!;
    expect(t.entryPrice).toBeCloseTo(11.11, 12);
    expect(t.exitPrice).toBeCloseTo(12.87, 12);
    expect(t.size).toBe(pyFloorDiv(1000 * F, 11.11));
  });

  it('ATR slippage adds half of ATR(2) = 2 known at the signal bar to the buy fill', () => {
    const t = run(ramp(6), { 2: 'long', 4: 'flat' }, { slippage: { kind: 'atr', fraction: 0.5, period: 2 } }).trades[0]!;
    expect(t.entryPrice).toBe(13 + 1);
    expect(t.exitPrice).toBe(15 - 1);
  });

  it('the equity curve marks the open position at each close and starts from the cash', () => {
    const r = run(ramp(4), { 0: 'long' }, { closeAtEnd: 'none' });
    // 90 shares bought at 11 (floor(1000 f / 11) = 90)
    expect(Array.from(r.equity)).toEqual([1000, 1000, 1000 + 90, 1000 + 180]);
  });
});

describe('direction handling', () => {
  it('a reversal closes the long and opens the short at the same next open', () => {
    const r = run(ramp(6), { 0: 'long', 2: 'short' }, { allowShort: true, closeAtEnd: 'last-close' });
    expect(r.trades.map((t) => [t.side, t.entryIndex, t.exitIndex, t.exitReason])).toEqual([
      ['long', 1, 3, 'signal'],
      ['short', 3, 5, 'end'],
    ]);
    expect(r.trades[1]!.pnl).toBeCloseTo(-r.trades[1]!.size * (15 - 13), 9);
  });

  it('without allowShort a short signal only closes the long', () => {
    const r = run(ramp(6), { 0: 'long', 2: 'short' });
    expect(r.trades.map((t) => [t.side, t.exitIndex])).toEqual([['long', 3]]);
    expect(r.equity[5]).toBe(r.equity[3]);
  });

  it("a repeated signal is ignored by default, and closes and reopens with onRepeatSignal 'reopen'", () => {
    expect(run(ramp(6), { 0: 'long', 2: 'long' }).trades).toHaveLength(1);
    const r = run(ramp(6), { 0: 'long', 2: 'long' }, { onRepeatSignal: 'reopen' });
    expect(r.trades.map((t) => [t.entryIndex, t.exitIndex])).toEqual([
      [1, 3],
      [3, 5],
    ]);
  });

  it("the open trade is closed at the last open by default, at the last close, or left open with 'none'", () => {
    expect(run(ramp(4), { 0: 'long' }).trades[0]!.exitPrice).toBe(13);
    expect(run(ramp(4), { 0: 'long' }, { closeAtEnd: 'last-close' }).trades[0]!.exitPrice).toBe(13);
    const open = run(cols([[10, 11, 9, 10], [10, 11, 9, 10.5], [11, 12, 10, 11.5]]), { 0: 'long' });
    expect(open.trades[0]!.exitPrice).toBe(11);
    expect(run(cols([[10, 11, 9, 10], [10, 11, 9, 10.5], [11, 12, 10, 11.5]]), { 0: 'long' }, { closeAtEnd: 'last-close' }).trades[0]!.exitPrice).toBe(11.5);
    expect(run(ramp(4), { 0: 'long' }, { closeAtEnd: 'none' }).trades).toHaveLength(0);
  });
});

describe('sizing', () => {
  it('fixed fraction commits that share of the cash: 25% of 1000 at 11 -> 22 units', () => {
    expect(run(ramp(4), { 0: 'long' }, { sizing: { kind: 'fixed-fraction', fraction: 0.25 } }).trades[0]!.size).toBe(22);
  });

  it('risk-based: 1% of 1000 at risk over a 2 x ATR(2) = 4 stop -> 2 units', () => {
    expect(run(ramp(6), { 2: 'long' }, { sizing: { kind: 'risk', riskFraction: 0.01, stopAtr: 2, atrPeriod: 2 } }).trades[0]!.size).toBe(2);
  });

  it('fractional quantities with qtyStep 0.001: 1000 / 11 -> 90.909', () => {
    expect(run(ramp(4), { 0: 'long' }, { qtyStep: 0.001 }).trades[0]!.size).toBeCloseTo(90.909, 9);
  });

  it('the risk gate can trim or deny an entry; a denied entry is counted, not traded', () => {
    const seen: number[] = [];
    const trimmed = run(ramp(4), { 0: 'long' }, { riskGate: (req) => (seen.push(req.qty, req.price, req.equity), 5) });
    expect(seen).toEqual([90, 11, 1000]);
    expect(trimmed.trades[0]!.size).toBe(5);
    const denied = run(ramp(4), { 0: 'long' }, { riskGate: () => 0 });
    expect(denied.trades).toHaveLength(0);
    expect(denied.skippedEntries).toBe(1);
  });

  it('pyFloorDiv is Python float floor division, not Math.floor of the quotient', () => {
    expect(pyFloorDiv(1, 0.1)).toBe(9);
    expect(Math.floor(1 / 0.1)).toBe(10);
    expect(pyFloorDiv(7, 2)).toBe(3);
    expect(pyFloorDiv(-7, 2)).toBe(-4);
    expect(pyFloorDiv(0.3, 0.1)).toBe(2);
  });
});

describe('limit and stop orders with intrabar rules', () => {
  // signal on bar 0 (close 100); entry orders rest from bar 1
  const base: [number, number, number, number] = [100, 101, 99, 100];

  it('a buy limit 1% under the signal close fills at the limit when the low reaches it', () => {
    const t = run(cols([base, [100, 100.5, 98.5, 100], [100, 101, 99, 100]]), { 0: 'long' }, { entry: { kind: 'limit', offsetBps: 100, validBars: 2 } }).trades[0]!;
    expect([t.entryIndex, t.entryPrice]).toEqual([1, 99]);
  });

  it('a buy limit fills at the open when the bar gaps below it (the better price)', () => {
    const t = run(cols([base, [97, 98, 96, 97], base]), { 0: 'long' }, { entry: { kind: 'limit', offsetBps: 100, validBars: 2 } }).trades[0]!;
    expect(t.entryPrice).toBe(97);
  });

  it('a buy limit that is never reached within validBars expires without a trade', () => {
    const r = run(cols([base, [100, 101, 99.5, 100], [100, 101, 99.5, 100], [98, 99, 97, 98]]), { 0: 'long' }, { entry: { kind: 'limit', offsetBps: 100, validBars: 2 } });
    expect(r.trades).toHaveLength(0);
  });

  it('a buy stop 1% above the close fills at the stop when the high reaches it, at the open on a gap up', () => {
    const touch = run(cols([base, [100, 102, 99, 101], base]), { 0: 'long' }, { entry: { kind: 'stop', offsetBps: 100, validBars: 1 } }).trades[0]!;
    expect(touch.entryPrice).toBe(101);
    const gap = run(cols([base, [103, 104, 102, 103], base]), { 0: 'long' }, { entry: { kind: 'stop', offsetBps: 100, validBars: 1 } }).trades[0]!;
    expect(gap.entryPrice).toBe(103);
  });

  it('a 5% stop-loss exits at the stop when the low touches it, at the open when the bar gaps through', () => {
    const touch = run(cols([base, base, [100, 100, 94, 96], base]), { 0: 'long' }, { stopLossPct: 0.05 }).trades[0]!;
    expect([touch.exitIndex, touch.exitPrice, touch.exitReason]).toEqual([2, 95, 'stop-loss']);
    const gap = run(cols([base, base, [90, 92, 89, 91], base]), { 0: 'long' }, { stopLossPct: 0.05 }).trades[0]!;
    expect([gap.exitPrice, gap.exitReason]).toEqual([90, 'stop-loss']);
  });

  it('a take-profit exits at its limit; when a bar touches both, the stop is assumed first (the worse case)', () => {
    const tp = run(cols([base, base, [100, 111, 99, 108], base]), { 0: 'long' }, { takeProfitPct: 0.1 }).trades[0]!;
    expect(tp.exitReason).toBe('take-profit');
    expect(tp.exitPrice).toBeCloseTo(110, 12);
    const both = run(cols([base, base, [100, 111, 94, 100], base]), { 0: 'long' }, { takeProfitPct: 0.1, stopLossPct: 0.05 }).trades[0]!;
    expect([both.exitPrice, both.exitReason]).toEqual([95, 'stop-loss']);
  });

  it('short protective exits mirror: the stop sits above the entry', () => {
    const t = run(cols([base, base, [100, 106, 99, 105], base]), { 0: 'short' }, { allowShort: true, stopLossPct: 0.05 }).trades[0]!;
    expect([t.side, t.exitPrice, t.exitReason]).toEqual(['short', 105, 'stop-loss']);
  });
});

describe('no look-ahead', () => {
  it('the strategy sees bar i only after bar i-1, every fill happens on a later bar than its signal', () => {
    const seenTimes: number[] = [];
    const signalsAt: number[] = [];
    const c = ramp(30);
    const strategy: Strategy = {
      id: 'watcher',
      warmup: 0,
      onBar(bar: Bar): Signal | null {
        seenTimes.push(bar.t);
        const i = seenTimes.length - 1;
        if (i % 5 !== 2) return null;
        signalsAt.push(i);
        return { direction: i % 10 === 2 ? 'long' : 'short', reason: 'test', indicators: {} };
      },
      values: () => ({}),
    };
    const r = runBacktest(c, strategy, { cash: 1000, allowShort: true });
    expect(seenTimes).toEqual(Array.from(c.t));
    expect(r.trades.map((t) => t.entryIndex)).toEqual(signalsAt.map((i) => i + 1));
  });
});

describe('configuration errors say what was wrong', () => {
  it.each<[Partial<BacktestConfig>, RegExp]>([
    [{ cash: 0 }, /cash must be a positive amount, got 0/],
    [{ commission: { pct: 0.5 } }, /commission.pct must be a fraction of notional between 0 and 0.1/],
    [{ slippage: { kind: 'bps', bps: -1 } }, /slippage.bps must be between 0 and 1000 basis points, got -1/],
    [{ sizing: { kind: 'fixed-fraction', fraction: 2 } }, /sizing.fraction must be a fraction of equity in \(0, 1\], got 2/],
    [{ entry: { kind: 'limit', offsetBps: 10, validBars: 0 } }, /entry.validBars must be a whole number of bars >= 1, got 0/],
    [{ stopLossPct: 1.5 }, /stopLossPct must be a fraction of the entry price in \[0, 1\)/],
  ])('%j', (config, message) => {
    expect(() => run(ramp(3), {}, config)).toThrow(message);
  });
});
