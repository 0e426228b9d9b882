// The exactness proof: SMA(10/20) crossover on GOOG reproduces backtesting.py 0.6.6's result
// (../shared/reference/backtest_GOOG.json): the same 94 trades and the final equity to the cent.
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../../engine/data/csv';
import { sharedDataAvailable } from '../data/sharedData';
import { loadReference, runReference, type Reference } from './reference';

const have = sharedDataAvailable('reference reproduction of backtest_GOOG.json');

describe.skipIf(!have)('reference reproduction: SMA(10/20) on GOOG equals backtesting.py 0.6.6', () => {
  const ref = have ? loadReference() : ({ trades: [] } as unknown as Reference);
  const result = have ? runReference(ref) : null;

  it('produces the same 94 trades: side, size, entry/exit time and prices exactly', () => {
    const ours = result!.trades.map((tr) => ({
      side: tr.side,
      size: tr.size,
      entryTime: tr.entryTime,
      exitTime: tr.exitTime,
      entryPrice: tr.entryPrice,
      exitPrice: tr.exitPrice,
    }));
    const theirs = ref.trades.map((tr) => ({
      side: tr.side,
      size: tr.size,
      entryTime: parseTimestamp(tr.entryTime),
      exitTime: parseTimestamp(tr.exitTime),
      entryPrice: tr.entryPrice,
      exitPrice: tr.exitPrice,
    }));
    expect(ref.trades.length).toBe(94);
    expect(ours).toEqual(theirs);
  });

  it('each trade P&L (after both commissions) matches to a millionth of a dollar', () => {
    ref.trades.forEach((tr, i) => expect(Math.abs(result!.trades[i]!.pnl - tr.pnl)).toBeLessThan(1e-6));
  });

  it('final equity and total commissions match to the cent', () => {
    expect(Math.abs(result!.finalEquity - Number(ref.stats['Equity Final [$]']))).toBeLessThan(0.005);
    expect(Math.abs(result!.totalCommission - Number(ref.stats['Commissions [$]']))).toBeLessThan(0.005);
  });
});
