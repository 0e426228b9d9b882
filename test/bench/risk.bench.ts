// Issue 3: a pre-trade check of one intent with every rule active (sizing inputs, limits,
// exposure, volatility breaker, stale data, concentration against 5 open positions, order rate).
import { DEFAULT_RISK } from '../../engine/defaults';
import type { AccountState, Bar, Instrument, Position } from '../../engine/domain/types';
import { checkOrder, type MarketView, type RiskContext } from '../../engine/risk/RiskEngine';
import { SymbolStats } from '../../engine/risk/SymbolStats';
import { summarize, type Bench } from './lib';

const stock = (symbol: string): Instrument => ({ symbol, name: symbol, assetClass: 'us_equity', priceIncrement: 0.01, qtyIncrement: 1, minNotional: 1, fractionable: false, shortable: true });

export default async function (b: Bench): Promise<void> {
  const symbols = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'TSLA', 'AMZN'];
  const stats = new Map<string, SymbolStats>();
  symbols.forEach((s, k) => {
    const st = new SymbolStats();
    for (let i = 0; i < 200; i++) {
      const c = 100 + 10 * Math.sin(i / (7 + k)) + (i % (3 + k));
      const bar: Bar = { t: i * 60_000, o: c, h: c + 1, l: c - 1, c, v: 1000 };
      st.update(bar, 1_000_000);
    }
    stats.set(s, st);
  });
  const market: MarketView = { stats: (s) => stats.get(s), expectedBarIntervalMs: 1000, lastPrice: () => 100 };
  const positions = new Map<string, Position>(symbols.slice(1).map((s) => [s, { symbol: s, qty: 10, avgEntryPrice: 100, realizedPnl: 0, updatedAt: 0 }]));
  const account: AccountState = { cash: 90_000, equity: 100_000, buyingPower: 90_000, dayStartEquity: 100_000, peakEquity: 100_000, updatedAt: 0 };
  const recentOrderTimes = Array.from({ length: 150 }, (_, i) => 1_000_000 - 60_000 + i * 390);
  const ctx: RiskContext = {
    settings: { ...DEFAULT_RISK, maxOpenPositions: 10 },
    tradingState: 'active',
    account,
    positions,
    openOrders: [],
    instrument: stock('AAPL'),
    price: 100,
    recentOrderTimes,
    now: 1_000_500,
    environment: 'paper',
    market,
  };
  const order = { symbol: 'AAPL', side: 'buy' as const, qty: 50 };
  const first = checkOrder(ctx, order);
  const rules = first.checks.map((c) => c.rule);
  for (let i = 0; i < 20_000; i++) checkOrder(ctx, order); // warm-up (JIT)
  const samples: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const t0 = process.hrtime.bigint();
    checkOrder(ctx, order);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const s = summarize(samples);
  b.record({ name: 'pre-trade check of one intent, all rules (p99)', value: s.p99, unit: 'µs', target: '< 50 µs', met: s.p99 < 50, note: `median ${s.median.toFixed(2)} µs over ${s.n} checks; ${rules.length} rules evaluated: ${rules.join(', ')}` });
}
