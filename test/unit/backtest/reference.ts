// Loading and running the GOOG reference case (../shared/reference/backtest_GOOG.json).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runBacktest } from '../../../engine/backtest/backtester';
import { columnsFromBars } from '../../../engine/backtest/columns';
import type { BacktestResult } from '../../../engine/backtest/types';
import { SmaCross } from '../../../engine/strategies/smaCross';
import { loadSharedBars, SHARED_REFERENCE_DIR } from '../data/sharedData';

export interface RefTrade {
  side: 'long' | 'short';
  size: number;
  entryTime: string;
  exitTime: string;
  entryPrice: number;
  exitPrice: number;
  pnl: number;
}
export interface Reference {
  params: { fast: number; slow: number; cash: number; commission: number };
  stats: Record<string, number | string>;
  trades: RefTrade[];
}

export function loadReference(): Reference {
  return JSON.parse(readFileSync(resolve(SHARED_REFERENCE_DIR, 'backtest_GOOG.json'), 'utf8')) as Reference;
}

export function runReference(ref: Reference): BacktestResult {
  const cols = columnsFromBars(loadSharedBars('GOOG'));
  return runBacktest(cols, new SmaCross({ fast: ref.params.fast, slow: ref.params.slow }), {
    cash: ref.params.cash,
    commission: { pct: ref.params.commission },
    sizing: { kind: 'all-in' },
    allowShort: true,
    closeAtEnd: 'last-open',
  });
}
