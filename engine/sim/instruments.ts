import type { Instrument } from '../domain/types';

/** Per-symbol character of the simulated path: starting price and per-bar volatility. */
export interface SimSymbolSpec {
  instrument: Instrument;
  startPrice: number;
  /** standard deviation of one bar's log return in the calm regime */
  barVol: number;
  baseVolume: number;
}

const stock = (symbol: string, name: string, startPrice: number, barVol: number): SimSymbolSpec => ({
  instrument: {
    symbol,
    name,
    assetClass: 'us_equity',
    priceIncrement: 0.01,
    qtyIncrement: 1,
    minNotional: 1,
    fractionable: false,
    shortable: true,
  },
  startPrice,
  barVol,
  baseVolume: 50_000,
});

const crypto = (symbol: string, name: string, startPrice: number, barVol: number): SimSymbolSpec => ({
  instrument: {
    symbol,
    name,
    assetClass: 'crypto',
    priceIncrement: 0.01,
    qtyIncrement: 0.0001,
    minNotional: 10,
    fractionable: true,
    shortable: false,
  },
  startPrice,
  barVol,
  baseVolume: 20,
});

/** The default simulated market: a few familiar names (prices are simulated, not real). */
export const DEFAULT_SIM_SYMBOLS: SimSymbolSpec[] = [
  stock('AAPL', 'Apple (simulated)', 190, 0.0018),
  stock('MSFT', 'Microsoft (simulated)', 410, 0.0016),
  stock('NVDA', 'NVIDIA (simulated)', 120, 0.003),
  stock('SPY', 'S&P 500 ETF (simulated)', 520, 0.001),
  stock('TSLA', 'Tesla (simulated)', 180, 0.0035),
  crypto('BTC/USD', 'Bitcoin (simulated)', 65_000, 0.003),
  crypto('ETH/USD', 'Ether (simulated)', 3_200, 0.0035),
];

/** Extra synthetic stocks SIM001.. for load tests (100 symbols at 50 bars/s). */
export function syntheticSymbols(count: number): SimSymbolSpec[] {
  const out: SimSymbolSpec[] = [];
  for (let i = 1; i <= count; i++) {
    const symbol = `SIM${String(i).padStart(3, '0')}`;
    out.push(stock(symbol, `Synthetic ${i}`, 20 + ((i * 37) % 400), 0.001 + ((i * 7) % 30) / 10_000));
  }
  return out;
}
