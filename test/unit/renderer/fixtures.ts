// Plain domain objects for renderer tests.
import type { Snapshot } from '../../../engine/api/contract';
import { DEFAULT_RISK, defaultSettings } from '../../../engine/defaults';
import type { Approval, Bar, OrderRecord, PositionView, Settings, StopReport } from '../../../engine/domain/types';

export const T0 = Date.UTC(2026, 0, 5, 14, 30);

export function bar(i: number, close: number, over: Partial<Bar> = {}): Bar {
  return { t: T0 + i * 60_000, o: close, h: close + 1, l: close - 1, c: close, v: 1000, ...over };
}

export function order(over: Partial<OrderRecord> = {}): OrderRecord {
  return {
    clientOrderId: 'c-1',
    brokerOrderId: null,
    symbol: 'AAPL',
    side: 'buy',
    type: 'market',
    qty: 10,
    limitPrice: null,
    stopPrice: null,
    tif: 'day',
    status: 'accepted',
    filledQty: 0,
    avgFillPrice: null,
    origin: 'manual',
    strategyId: null,
    reason: 'manual ticket',
    statusReason: null,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function position(over: Partial<PositionView> = {}): PositionView {
  return {
    symbol: 'AAPL',
    qty: 10,
    avgEntryPrice: 100,
    realizedPnl: 0,
    updatedAt: T0,
    lastPrice: 101,
    marketValue: 1010,
    unrealizedPnl: 10,
    ...over,
  };
}

export function approval(over: Partial<Approval> = {}): Approval {
  return {
    id: 'a-1',
    intent: {
      intentKey: 'k-1',
      symbol: 'AAPL',
      side: 'buy',
      type: 'market',
      qty: 10,
      limitPrice: null,
      origin: 'strategy',
      strategyId: 'sma-cross',
      reason: 'SMA(10) crossed above SMA(20)',
      refPrice: 100,
      barTime: T0,
    },
    status: 'pending',
    sizing: { method: 'fixed-fraction', equity: 100_000, price: 100, rawQty: 100, qty: 100, text: '10% of $100,000 / $100 = 100 shares' },
    checks: [],
    indicators: { smaFast: 101, smaSlow: 100 },
    createdAt: T0,
    expiresAt: T0 + 60_000,
    decidedAt: null,
    decisionReason: null,
    ...over,
  };
}

export const settings: Settings = {
  risk: { ...DEFAULT_RISK },
    readiness: defaultSettings([]).readiness,
  strategy: { id: 'sma-cross', fast: 10, slow: 20, symbols: ['MSFT', 'AAPL'] },
  approvalTimeoutSec: 60,
  flattenOnStop: false,
  deadMan: { enabled: true, dataStaleSec: 30, brokerLostSec: 30 },
};

export function stopReport(over: Partial<StopReport> = {}): StopReport {
  return {
    id: 's-1',
    source: 'ui',
    flatten: false,
    requestedAt: T0,
    status: 'running',
    steps: [],
    openOrdersRemaining: null,
    positionsRemaining: null,
    finishedAt: null,
    ...over,
  };
}

export function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    broker: { kind: 'sim', environment: 'simulated', connected: true, message: 'built-in simulator' },
    account: { cash: 100_000, equity: 100_000, buyingPower: 100_000, dayStartEquity: 99_000, peakEquity: 100_000, updatedAt: T0 },
    tradingState: { state: 'active', setBy: 'system', reason: 'first start', at: T0, latched: false },
    mode: 'manual',
    positions: [],
    openOrders: [],
    recentOrders: [],
    approvals: [],
    instruments: [
      { symbol: 'AAPL', name: 'Apple', assetClass: 'us_equity', priceIncrement: 0.01, qtyIncrement: 1, minNotional: 1, fractionable: false, shortable: true },
      { symbol: 'MSFT', name: 'Microsoft', assetClass: 'us_equity', priceIncrement: 0.01, qtyIncrement: 1, minNotional: 1, fractionable: false, shortable: true },
    ],
    settings,
    lastStop: null,
    lastDrill: null,
    readiness: [],
    alerts: [],
    reconciliation: [],
    autoApproveRemaining: 0,
    timeframe: '1Min',
    serverTime: T0,
    ...over,
  };
}
