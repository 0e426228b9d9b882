import { describe, expect, it } from 'vitest';
import type { AccountState, Instrument, OrderRecord, Position, RiskSettings } from '../../../engine/domain/types';
import { DEFAULT_RISK } from '../../../engine/defaults';
import { checkOrder, isReducing, roundQtyDown, sizeByFixedFraction, type RiskContext } from '../../../engine/risk/RiskEngine';

const stock: Instrument = { symbol: 'AAPL', name: 'Apple', assetClass: 'us_equity', priceIncrement: 0.01, qtyIncrement: 1, minNotional: 1, fractionable: false, shortable: false };
const btc: Instrument = { symbol: 'BTC/USD', name: 'Bitcoin', assetClass: 'crypto', priceIncrement: 0.01, qtyIncrement: 0.0001, minNotional: 10, fractionable: true, shortable: false };
const settings: RiskSettings = { ...DEFAULT_RISK, maxOpenPositions: 2 };
const account: AccountState = { cash: 100_000, equity: 100_000, buyingPower: 100_000, dayStartEquity: 100_000, peakEquity: 100_000, updatedAt: 0 };

function ctx(over: Partial<RiskContext> = {}): RiskContext {
  return { settings, tradingState: 'active', account, positions: new Map(), openOrders: [], instrument: stock, price: 100, ...over };
}
const pos = (symbol: string, qty: number): Position => ({ symbol, qty, avgEntryPrice: 100, realizedPnl: 0, updatedAt: 0 });
const failed = (d: ReturnType<typeof checkOrder>) => d.checks.filter((c) => !c.passed).map((c) => c.rule);

describe('sizing', () => {
  it('sizes a fixed fraction of equity and rounds down to whole shares, explaining the arithmetic', () => {
    const s = sizeByFixedFraction(100_000, 101.23, stock, 0.1);
    expect(s.rawQty).toBeCloseTo(98.785, 3);
    expect(s.qty).toBe(98);
    expect(s.text).toContain('10.0% of $100,000.00 equity = $10,000.00');
    expect(s.text).toContain('98 shares');
  });
  it('rounds crypto down to its increment, never up', () => {
    expect(roundQtyDown(0.123456, btc)).toBe(0.1234);
    expect(roundQtyDown(0.99999, stock)).toBe(0);
  });
});

describe('max position notional (20% of equity = $20,000 at $100)', () => {
  it('passes just under the cap', () => expect(checkOrder(ctx(), { symbol: 'AAPL', side: 'buy', qty: 199 }).approved).toBe(true));
  it('passes at the cap', () => expect(checkOrder(ctx(), { symbol: 'AAPL', side: 'buy', qty: 200 }).approved).toBe(true));
  it('denies just over the cap, naming the limit', () => {
    const d = checkOrder(ctx(), { symbol: 'AAPL', side: 'buy', qty: 201 });
    expect(d.approved).toBe(false);
    expect(failed(d)).toEqual(['max_position_notional']);
    expect(!d.approved && d.reason).toMatch(/above the cap of 20% of equity = \$20,000\.00/);
  });
  it('counts the existing position toward the cap', () => {
    const d = checkOrder(ctx({ positions: new Map([['AAPL', pos('AAPL', 150)]]) }), { symbol: 'AAPL', side: 'buy', qty: 51 });
    expect(failed(d)).toEqual(['max_position_notional']);
  });
});

describe('max open positions (2)', () => {
  const one = new Map([['MSFT', pos('MSFT', 10)]]);
  const two = new Map([['MSFT', pos('MSFT', 10)], ['NVDA', pos('NVDA', 10)]]);
  it('allows the second position', () => expect(checkOrder(ctx({ positions: one }), { symbol: 'AAPL', side: 'buy', qty: 1 }).approved).toBe(true));
  it('denies a third position', () => expect(failed(checkOrder(ctx({ positions: two }), { symbol: 'AAPL', side: 'buy', qty: 1 }))).toEqual(['max_open_positions']));
  it('counts a pending entry order as a position', () => {
    const pending = { symbol: 'TSLA', side: 'buy', qty: 1, filledQty: 0, limitPrice: null, status: 'accepted' } as OrderRecord;
    expect(failed(checkOrder(ctx({ positions: one, openOrders: [pending] }), { symbol: 'AAPL', side: 'buy', qty: 1 }))).toEqual(['max_open_positions']);
  });
  it('still allows closing an existing position when at the limit', () => {
    expect(checkOrder(ctx({ positions: two }), { symbol: 'MSFT', side: 'sell', qty: 10 }).approved).toBe(true);
  });
});

describe('trading state', () => {
  it('denies everything while halted', () => {
    const d = checkOrder(ctx({ tradingState: 'halted', positions: new Map([['AAPL', pos('AAPL', 10)]]) }), { symbol: 'AAPL', side: 'sell', qty: 10 });
    expect(failed(d)).toContain('trading_state');
  });
  it('allows only orders that shrink a position while reducing', () => {
    const positions = new Map([['AAPL', pos('AAPL', 10)]]);
    expect(checkOrder(ctx({ tradingState: 'reducing', positions }), { symbol: 'AAPL', side: 'sell', qty: 10 }).approved).toBe(true);
    expect(failed(checkOrder(ctx({ tradingState: 'reducing', positions }), { symbol: 'AAPL', side: 'sell', qty: 11 }))).toContain('trading_state');
    expect(failed(checkOrder(ctx({ tradingState: 'reducing', positions }), { symbol: 'AAPL', side: 'buy', qty: 1 }))).toContain('trading_state');
  });
  it('recognises reducing orders exactly', () => {
    expect(isReducing(pos('AAPL', 10), 'sell', 10)).toBe(true);
    expect(isReducing(pos('AAPL', 10), 'sell', 10.5)).toBe(false);
    expect(isReducing(pos('AAPL', -5), 'buy', 5)).toBe(true);
    expect(isReducing(undefined, 'sell', 1)).toBe(false);
  });
});

describe('instrument rules', () => {
  it('refuses fractional shares where the instrument does not allow them', () => {
    expect(failed(checkOrder(ctx(), { symbol: 'AAPL', side: 'buy', qty: 1.5 }))).toEqual(['quantity']);
  });
  it('enforces the crypto minimum notional of $10: under, at, over', () => {
    const c = ctx({ instrument: btc, price: 50_000 });
    expect(failed(checkOrder(c, { symbol: 'BTC/USD', side: 'buy', qty: 0.0001 }))).toEqual(['min_notional']); // $5
    expect(checkOrder(c, { symbol: 'BTC/USD', side: 'buy', qty: 0.0002 }).approved).toBe(true); // $10
    expect(checkOrder(c, { symbol: 'BTC/USD', side: 'buy', qty: 0.0003 }).approved).toBe(true);
  });
  it('refuses a naked short on a non-shortable instrument', () => {
    expect(failed(checkOrder(ctx(), { symbol: 'AAPL', side: 'sell', qty: 1 }))).toEqual(['shortable']);
  });
  it('refuses a buy beyond the available cash', () => {
    const poor = { ...account, cash: 500 };
    expect(failed(checkOrder(ctx({ account: poor }), { symbol: 'AAPL', side: 'buy', qty: 6 }))).toEqual(['buying_power']);
    expect(checkOrder(ctx({ account: poor }), { symbol: 'AAPL', side: 'buy', qty: 5 }).approved).toBe(true);
  });
});

describe('order rate (10/s and 200/min per account)', () => {
  const now = 1_000_000;
  const times = (n: number, spacingMs: number) => Array.from({ length: n }, (_, i) => now - (n - i) * spacingMs);
  it('allows the 10th order within a second', () => expect(checkOrder(ctx({ now, recentOrderTimes: times(9, 50) }), { symbol: 'AAPL', side: 'buy', qty: 1 }).approved).toBe(true));
  it('denies the 11th order within a second', () => {
    const d = checkOrder(ctx({ now, recentOrderTimes: times(10, 50) }), { symbol: 'AAPL', side: 'buy', qty: 1 });
    expect(failed(d)).toEqual(['order_rate']);
    expect(!d.approved && d.reason).toMatch(/10 orders in the last second; the limit is 10\/s/);
  });
  it('forgets orders older than a second for the per-second limit', () => expect(checkOrder(ctx({ now, recentOrderTimes: times(10, 101) }), { symbol: 'AAPL', side: 'buy', qty: 1 }).approved).toBe(true));
  it('allows the 200th order within a minute and denies the 201st', () => {
    expect(checkOrder(ctx({ now, recentOrderTimes: times(199, 250) }), { symbol: 'AAPL', side: 'buy', qty: 1 }).approved).toBe(true);
    expect(failed(checkOrder(ctx({ now, recentOrderTimes: times(200, 250) }), { symbol: 'AAPL', side: 'buy', qty: 1 }))).toEqual(['order_rate']);
  });
});
