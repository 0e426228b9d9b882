// Metrics against hand-computed small cases, and against backtesting.py's own `stats` for
// the reference run wherever our definition is the same as theirs.
import { describe, expect, it } from 'vitest';
import { computeMetrics, drawdownCurve, metricsOf } from '../../../engine/backtest/metrics';
import type { Trade } from '../../../engine/backtest/types';
import { columnsFromBars } from '../../../engine/backtest/columns';
import { loadSharedBars, sharedDataAvailable } from '../data/sharedData';
import { loadReference, runReference } from './reference';

const DAY = 86_400_000;
const MONDAY = Date.UTC(2024, 0, 1);

function trade(entryIndex: number, exitIndex: number, pnl: number, returnPct: number): Trade {
  return {
    side: 'long', size: 1, entryIndex, exitIndex, entryTime: MONDAY + entryIndex * DAY, exitTime: MONDAY + exitIndex * DAY,
    entryPrice: 100, exitPrice: 100 + pnl, pnl, returnPct, commission: 0, exitReason: 'signal',
  };
}

describe('metrics on a hand-computed four-day case', () => {
  // equity 100 -> 110 -> 99 -> 121 on Mon..Thu; one winner (+10, +10%), one loser (-5, -5%)
  const m = computeMetrics({
    equity: Float64Array.from([100, 110, 99, 121]),
    times: Float64Array.from([0, 1, 2, 3], (i) => MONDAY + i * DAY),
    closes: Float64Array.from([10, 11, 12, 13]),
    trades: [trade(1, 2, 10, 0.1), trade(2, 2, -5, -0.05)],
  });

  it('total return 21%, buy & hold 30%', () => {
    expect(m.totalReturn).toBeCloseTo(0.21, 12);
    expect(m.buyAndHoldReturn).toBeCloseTo(0.3, 12);
  });
  it('max drawdown is 10% (110 -> 99) and lasts 2 days until the new high', () => {
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(m.maxDrawdownDurationMs).toBe(2 * DAY);
    expect(Array.from(drawdownCurve(Float64Array.from([100, 110, 99, 121])))).toEqual([0, 0, 99 / 110 - 1, 0]);
  });
  it('win rate 50%, profit factor 10/5 = 2, expectancy 2.5%, geometric average trade', () => {
    expect(m.trades).toBe(2);
    expect(m.winRate).toBe(0.5);
    expect(m.profitFactor).toBe(2);
    expect(m.expectancy).toBeCloseTo(0.025, 12);
    expect(m.avgTrade).toBeCloseTo(Math.sqrt(1.1 * 0.95) - 1, 12);
    expect(m.bestTrade).toBe(0.1);
    expect(m.worstTrade).toBe(-0.05);
  });
  it('exposure counts bars from entry to exit inclusive: bars 1-2 of 4 = 50%', () => {
    expect(m.exposure).toBe(0.5);
  });
  it('annualises the geometric daily return over 252 weekday periods; CAGR over 365.25-day years', () => {
    expect(m.periodsPerYear).toBe(252);
    expect(m.annualReturn / (1.21 ** (252 / 3) - 1)).toBeCloseTo(1, 12);
    expect(m.cagr / (1.21 ** (365.25 / 3) - 1)).toBeCloseTo(1, 12);
    const daily = [0.1, -0.1, 121 / 99 - 1];
    const mean = daily.reduce((a, b) => a + b) / 3;
    const variance = daily.reduce((a, r) => a + (r - mean) ** 2, 0) / 2;
    const g = 1.21 ** (1 / 3);
    const vol = Math.sqrt((variance + g ** 2) ** 252 - g ** 504);
    expect(m.annualVolatility / vol).toBeCloseTo(1, 10);
    expect(m.sharpe / (m.annualReturn / vol)).toBeCloseTo(1, 10);
    expect(m.sortino / (m.annualReturn / (Math.sqrt(0.01 / 3) * Math.sqrt(252)))).toBeCloseTo(1, 10);
    expect(m.calmar / (m.annualReturn / 0.1)).toBeCloseTo(1, 10);
  });
  it('a flat equity curve has no drawdown, and no trades give NaN trade statistics rather than zeros', () => {
    const flat = computeMetrics({ equity: new Float64Array(5).fill(100), times: Float64Array.from([0, 1, 2, 3, 4], (i) => MONDAY + i * DAY), closes: new Float64Array(5).fill(1), trades: [] });
    expect(flat.maxDrawdown).toBe(0);
    expect(flat.totalReturn).toBe(0);
    expect(flat.winRate).toBeNaN();
    expect(flat.sharpe).toBeNaN();
  });
  it('refuses curves of different lengths with a message', () => {
    expect(() => computeMetrics({ equity: new Float64Array(3), times: new Float64Array(2), closes: new Float64Array(3), trades: [] })).toThrow(/one length >= 2/);
  });
});

const have = sharedDataAvailable('metrics against the reference stats');

describe.skipIf(!have)('metrics of the GOOG reference run equal backtesting.py stats where definitions agree', () => {
  const ref = have ? loadReference() : null;
  const cols = have ? columnsFromBars(loadSharedBars('GOOG')) : null;
  const m = have ? metricsOf(runReference(ref!), cols!.c) : null;
  const stat = (k: string): number => Number(ref!.stats[k]);
  const days = (k: string): number => parseInt(String(ref!.stats[k]), 10);

  it('buy & hold starts where the strategy has its indicators (bar warmup - 1 = 19, close 113.97), as backtesting.py', () => {
    expect(m!.buyAndHoldReturn).toBeCloseTo((806.19 - 113.97) / 113.97, 12);
  });

  it.each([
    ['totalReturn', 'Return [%]', 100],
    ['buyAndHoldReturn', 'Buy & Hold Return [%]', 100],
    ['annualReturn', 'Return (Ann.) [%]', 100],
    ['annualVolatility', 'Volatility (Ann.) [%]', 100],
    ['cagr', 'CAGR [%]', 100],
    ['sharpe', 'Sharpe Ratio', 1],
    ['sortino', 'Sortino Ratio', 1],
    ['calmar', 'Calmar Ratio', 1],
    ['maxDrawdown', 'Max. Drawdown [%]', -100],
    ['avgDrawdown', 'Avg. Drawdown [%]', -100],
    ['exposure', 'Exposure Time [%]', 100],
    ['winRate', 'Win Rate [%]', 100],
    ['bestTrade', 'Best Trade [%]', 100],
    ['worstTrade', 'Worst Trade [%]', 100],
    ['avgTrade', 'Avg. Trade [%]', 100],
    ['expectancy', 'Expectancy [%]', 100],
    ['sqn', 'SQN', 1],
    ['peakEquity', 'Equity Peak [$]', 1],
    ['finalEquity', 'Equity Final [$]', 1],
    ['commissions', 'Commissions [$]', 1],
  ] as const)('%s equals "%s" to 1e-9 relative', (ours, theirs, scale) => {
    expect(Math.abs((m![ours] * scale) / stat(theirs) - 1)).toBeLessThan(1e-9);
  });

  it('max drawdown duration (830 days) and trade durations (max 121 days, mean ceil 33 days) agree', () => {
    expect(m!.maxDrawdownDurationMs / DAY).toBe(days('Max. Drawdown Duration'));
    expect(m!.maxTradeDurationMs / DAY).toBe(days('Max. Trade Duration'));
    expect(Math.ceil(m!.avgTradeDurationMs / DAY)).toBe(days('Avg. Trade Duration'));
  });

  it('profit factor is gross profit / gross loss in dollars, deliberately not backtesting.py\'s ratio of summed percentages', () => {
    const wins = m!.profitFactor;
    expect(wins).toBeGreaterThan(1);
    expect(Math.abs(wins - stat('Profit Factor'))).toBeGreaterThan(0.1);
  });
});
