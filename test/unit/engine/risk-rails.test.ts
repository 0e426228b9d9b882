// Issue 3's pre-trade rules, each at its boundary: just under, at, just over.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK } from '../../../engine/defaults';
import type { AccountState, Bar, Instrument, Position } from '../../../engine/domain/types';
import { checkOrder, sizeByRisk, type MarketView, type RiskContext } from '../../../engine/risk/RiskEngine';
import { SymbolStats } from '../../../engine/risk/SymbolStats';

const stock = (symbol: string): Instrument => ({ symbol, name: symbol, assetClass: 'us_equity', priceIncrement: 0.01, qtyIncrement: 1, minNotional: 1, fractionable: false, shortable: false });
const account: AccountState = { cash: 100_000, equity: 100_000, buyingPower: 100_000, dayStartEquity: 100_000, peakEquity: 100_000, updatedAt: 0 };
const pos = (symbol: string, qty: number, px = 100): Position => ({ symbol, qty, avgEntryPrice: px, realizedPnl: 0, updatedAt: 0 });

/** Stats fed with bars of a constant true range `tr` around 100 (ATR -> tr), closes following `closes`. */
function statsFrom(closes: number[], tr = 2, arrivedAt: number | null = 0): SymbolStats {
  const s = new SymbolStats();
  closes.forEach((c, i) => {
    const bar: Bar = { t: i * 60_000, o: c, h: c + tr / 2, l: c - tr / 2, c, v: 1 };
    s.update(bar, arrivedAt);
  });
  return s;
}
const flat = (n: number) => Array.from({ length: n }, () => 100);

function view(stats: Record<string, SymbolStats>, prices: Record<string, number> = {}): MarketView {
  return { stats: (s) => stats[s], expectedBarIntervalMs: 1000, lastPrice: (s) => prices[s] ?? 100 };
}
function ctx(over: Partial<RiskContext> = {}): RiskContext {
  return { settings: DEFAULT_RISK, tradingState: 'active', account, positions: new Map(), openOrders: [], instrument: stock('AAPL'), price: 100, now: 0, ...over };
}
const failed = (d: ReturnType<typeof checkOrder>) => d.checks.filter((c) => !c.passed).map((c) => c.rule);
const buy = (qty: number, symbol = 'AAPL') => ({ symbol, side: 'buy' as const, qty });

describe('risk-based sizing from the ATR stop', () => {
  it('risks 1% of equity to a 2 x ATR stop, with the stop and target levels', () => {
    const s = sizeByRisk(100_000, 100, 1.5, 'buy', stock('AAPL'), DEFAULT_RISK);
    expect(s.rawQty).toBeCloseTo(1000 / 3, 6); // $1,000 / $3.00
    expect(s.qty).toBe(200); // capped: 20% of $100,000 at $100
    expect(s.stopPrice).toBe(97);
    expect(s.targetPrice).toBe(104.5);
    expect(s.text).toContain('capped at 20% of equity = 200 shares');
  });
  it('is not capped when the stop is wide', () => {
    const s = sizeByRisk(100_000, 100, 5, 'buy', stock('AAPL'), DEFAULT_RISK);
    expect(s.qty).toBe(100); // $1,000 / $10
  });
});

describe('risk per trade: hard cap 2% of equity at the stop', () => {
  const market = view({ AAPL: statsFrom(flat(30), 2) }); // ATR 2 -> stop distance 4
  const settings = { ...DEFAULT_RISK, maxPositionNotionalPct: 1 }; // isolate this rule from the size cap
  it('passes just under', () => expect(checkOrder(ctx({ market, settings }), buy(499)).approved).toBe(true)); // risks $1,996
  it('passes at the cap', () => expect(checkOrder(ctx({ market, settings }), buy(500)).approved).toBe(true)); // $2,000
  it('denies just over', () => expect(failed(checkOrder(ctx({ market, settings }), buy(501)))).toEqual(['risk_per_trade']));
});

describe('max gross exposure (100% of equity)', () => {
  const positions = new Map([['MSFT', pos('MSFT', 900)]]); // $90,000 at $100
  const settings = { ...DEFAULT_RISK, maxOpenPositions: 10 };
  it('passes just under', () => expect(checkOrder(ctx({ positions, settings }), buy(99)).approved).toBe(true));
  it('passes at', () => expect(checkOrder(ctx({ positions, settings }), buy(100)).approved).toBe(true));
  it('denies just over', () => expect(failed(checkOrder(ctx({ positions, settings }), buy(101)))).toEqual(['gross_exposure']));
});

describe('live capital throttle (5% of equity in live mode)', () => {
  it('passes at 5% and denies just over, only in live mode', () => {
    expect(checkOrder(ctx({ environment: 'live' }), buy(50)).approved).toBe(true);
    const d = checkOrder(ctx({ environment: 'live' }), buy(51));
    expect(failed(d)).toEqual(['live_capital_throttle']);
    expect(!d.approved && d.reason).toMatch(/raise it in Settings/);
    expect(checkOrder(ctx({ environment: 'paper' }), buy(51)).approved).toBe(true);
  });
});

describe('volatility breaker (ATR% above 3x its 100-bar median)', () => {
  function spiked(lastTr: number): SymbolStats {
    const s = statsFrom(flat(120), 1);
    s.update({ t: 999 * 60_000, o: 100, h: 100 + lastTr / 2, l: 100 - lastTr / 2, c: 100, v: 1 }, 0);
    return s;
  }
  // Wilder ATR(14) after one bar with true range X from 1: 1 + (X - 1) / 14; median ATR% is 1%
  const trFor = (ratio: number) => 1 + (ratio - 1) * 14;
  it('passes just under 3x', () => expect(checkOrder(ctx({ market: view({ AAPL: spiked(trFor(2.99)) }) }), buy(1)).approved).toBe(true));
  it('passes at 3x', () => expect(checkOrder(ctx({ market: view({ AAPL: spiked(trFor(3)) }) }), buy(1)).approved).toBe(true));
  it('denies just over 3x', () => expect(failed(checkOrder(ctx({ market: view({ AAPL: spiked(trFor(3.01)) }) }), buy(1)))).toEqual(['volatility_breaker']));
  it('never blocks closing a position', () => {
    const positions = new Map([['AAPL', pos('AAPL', 5)]]);
    expect(checkOrder(ctx({ positions, market: view({ AAPL: spiked(trFor(10)) }) }), { symbol: 'AAPL', side: 'sell', qty: 5 }).approved).toBe(true);
  });
});

describe('stale data (last bar older than 2 bar intervals)', () => {
  const market = view({ AAPL: statsFrom(flat(30), 1, 10_000) }); // arrived at t=10s, 1 s bars
  it('passes just under', () => expect(checkOrder(ctx({ market, now: 11_999 }), buy(1)).approved).toBe(true));
  it('passes at', () => expect(checkOrder(ctx({ market, now: 12_000 }), buy(1)).approved).toBe(true));
  it('denies just over', () => {
    const d = checkOrder(ctx({ market, now: 12_001 }), buy(1));
    expect(failed(d)).toEqual(['stale_data']);
    expect(!d.approved && d.reason).toMatch(/more than 2 bar intervals/);
  });
});

describe('stale data at high simulator speeds', () => {
  it('is never called stale within 2 s of wall-clock time, even when bars are 10 ms apart', () => {
    const fast: MarketView = { ...view({ AAPL: statsFrom(flat(30), 1, 10_000) }), expectedBarIntervalMs: 10 };
    expect(checkOrder(ctx({ market: fast, now: 12_000 }), buy(1)).approved).toBe(true);
    expect(failed(checkOrder(ctx({ market: fast, now: 12_001 }), buy(1)))).toEqual(['stale_data']);
  });
});

describe('concentration (60-bar return correlation above 0.8 with an open position)', () => {
  const base = Array.from({ length: 62 }, (_, i) => 100 + 5 * Math.sin(i * 0.7) + (i % 3));
  const noise = Array.from({ length: 62 }, (_, i) => 100 + 5 * Math.sin(i * 1.9 + 1) - (i % 5));
  const mix = (w: number) => base.map((b, i) => b * w + (noise[i] as number) * (1 - w));
  const positions = new Map([['MSFT', pos('MSFT', 10)]]);
  it('denies a near-copy of an open position', () => {
    const d = checkOrder(ctx({ positions, market: view({ AAPL: statsFrom(base), MSFT: statsFrom(mix(0.98)) }) }), buy(1));
    expect(failed(d)).toEqual(['concentration']);
    expect(!d.approved && d.reason).toMatch(/correlation with the open MSFT position is (0\.9\d|1\.00), above 0\.80/);
  });
  it('passes an unrelated symbol, and compares at the limit with <=', () => {
    const m = view({ AAPL: statsFrom(base), MSFT: statsFrom(noise) });
    const c = checkOrder(ctx({ positions, market: m }), buy(1)).checks.find((x) => x.rule === 'concentration');
    expect(c?.passed).toBe(true);
    const at = checkOrder(ctx({ positions, market: m, settings: { ...DEFAULT_RISK, maxCorrelation: c!.value } }), buy(1));
    expect(at.checks.find((x) => x.rule === 'concentration')?.passed).toBe(true);
  });
});
