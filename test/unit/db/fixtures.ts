// Temp directories and sample domain records for the db tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RISK, defaultSettings } from '../../../engine/defaults';
import type { AccountState, Approval, Fill, OrderRecord, Position, Settings, StopReport, TradingStateRecord } from '../../../engine/domain/types';

/** A fresh temp dir per test; removed by the returned cleanup. */
export function makeTempDir(prefix = 'db-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sampleOrder(over: Partial<OrderRecord> = {}): OrderRecord {
  return {
    clientOrderId: 'sma-AAPL-buy-1700000000000',
    brokerOrderId: null,
    symbol: 'AAPL',
    side: 'buy',
    type: 'market',
    qty: 10,
    limitPrice: null,
    stopPrice: null,
    tif: 'day',
    status: 'pending_submit',
    filledQty: 0,
    avgFillPrice: null,
    origin: 'strategy',
    strategyId: 'sma-cross',
    reason: 'fast SMA crossed above slow SMA',
    statusReason: null,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...over,
  };
}

export function sampleFill(over: Partial<Fill> = {}): Fill {
  return {
    fillId: 'fill-1',
    clientOrderId: 'sma-AAPL-buy-1700000000000',
    symbol: 'AAPL',
    side: 'buy',
    qty: 10,
    price: 101.25,
    commission: 0.5,
    time: 1_700_000_001_000,
    ...over,
  };
}

export function samplePosition(over: Partial<Position> = {}): Position {
  return { symbol: 'AAPL', qty: 10, avgEntryPrice: 101.25, realizedPnl: 0, updatedAt: 1_700_000_001_000, ...over };
}

export function sampleAccount(over: Partial<AccountState> = {}): AccountState {
  return {
    cash: 98_987.0,
    equity: 100_000,
    buyingPower: 98_987.0,
    dayStartEquity: 100_000,
    peakEquity: 100_500,
    updatedAt: 1_700_000_001_000,
    ...over,
  };
}

export function sampleSettings(): Settings {
  return {
    risk: { ...DEFAULT_RISK },
    readiness: defaultSettings([]).readiness,
    strategy: { id: 'sma-cross', fast: 10, slow: 30, symbols: ['AAPL', 'MSFT'] },
    approvalTimeoutSec: 60,
    flattenOnStop: true,
    deadMan: { enabled: true, dataStaleSec: 30, brokerLostSec: 30 },
  };
}

export function sampleTradingState(over: Partial<TradingStateRecord> = {}): TradingStateRecord {
  return { state: 'halted', setBy: 'killswitch', reason: 'emergency stop pressed', at: 1_700_000_002_000, latched: true, ...over };
}

export function sampleApproval(over: Partial<Approval> = {}): Approval {
  return {
    id: 'appr-1',
    intent: {
      intentKey: 'sma-cross:AAPL:buy:1700000000000',
      symbol: 'AAPL',
      side: 'buy',
      type: 'market',
      qty: 98,
      limitPrice: null,
      origin: 'strategy',
      strategyId: 'sma-cross',
      reason: 'fast SMA crossed above slow SMA',
      refPrice: 101.23,
      barTime: 1_700_000_000_000,
    },
    status: 'pending',
    sizing: { method: 'fixed-fraction', equity: 100_000, price: 101.23, rawQty: 98.78, qty: 98, text: '10% of $100,000.00 equity / $101.23 = 98.78 -> 98 shares' },
    checks: [{ rule: 'max_open_positions', passed: true, value: 1, limit: 5, message: '1 of 5 positions' }],
    indicators: { smaFast: 101.5, smaSlow: 100.9 },
    createdAt: 1_700_000_000_500,
    expiresAt: 1_700_000_060_500,
    decidedAt: null,
    decisionReason: null,
    ...over,
  };
}

export function sampleStopReport(over: Partial<StopReport> = {}): StopReport {
  return {
    id: 'stop-1',
    source: 'ui',
    flatten: true,
    requestedAt: 1_700_000_002_000,
    status: 'running',
    steps: [
      { name: 'halt', status: 'done', startedAt: 1_700_000_002_000, endedAt: 1_700_000_002_001, attempts: 1, detail: 'halted' },
      { name: 'cancel_orders', status: 'running', startedAt: 1_700_000_002_001, endedAt: null, attempts: 1, detail: '' },
    ],
    openOrdersRemaining: null,
    positionsRemaining: null,
    finishedAt: null,
    ...over,
  };
}
