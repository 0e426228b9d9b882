// Configuration and results of a backtest. Defaults reproduce backtesting.py's semantics
// (market orders at the next bar's open, reversal closes then opens, whole units, commission
// at entry and exit, the last trade closed at the last bar's open).

export interface CommissionModel {
  /** dollars per unit traded */
  perShare?: number;
  /** fraction of notional, e.g. 0.002 = 0.2% */
  pct?: number;
  /** dollars per fill */
  fixed?: number;
}

export type SlippageModel =
  | { kind: 'none' }
  /** price moves against the order by bps/10,000 of the price */
  | { kind: 'bps'; bps: number }
  /** price moves against the order by fraction x ATR(period) as of the previous bar */
  | { kind: 'atr'; fraction: number; period?: number };

export type SizingModel =
  /** all the cash (times `fraction`, default 1 - 2^-52 as backtesting.py) in whole units */
  | { kind: 'all-in'; fraction?: number }
  /** a fixed fraction of equity per position */
  | { kind: 'fixed-fraction'; fraction: number }
  /** lose at most riskFraction of equity if price moves stopAtr x ATR against the position */
  | { kind: 'risk'; riskFraction: number; stopAtr: number; atrPeriod?: number };

export type EntryOrderModel =
  | { kind: 'market' }
  /** rest a limit offsetBps better than the signal bar's close, for validBars bars */
  | { kind: 'limit'; offsetBps: number; validBars: number }
  /** rest a stop offsetBps beyond the signal bar's close (confirmation), for validBars bars */
  | { kind: 'stop'; offsetBps: number; validBars: number };

/** What the backtester asks a risk gate before opening a position (the live RiskEngine's shape). */
export interface EntryRequest {
  side: 'long' | 'short';
  qty: number;
  price: number;
  equity: number;
  time: number;
  index: number;
}

export interface BacktestConfig {
  cash: number;
  commission?: CommissionModel;
  slippage?: SlippageModel;
  /** short signals open shorts when true; otherwise they only close longs (default false) */
  allowShort?: boolean;
  sizing?: SizingModel;
  entry?: EntryOrderModel;
  /** protective stop, fraction of entry price (e.g. 0.05); checked intrabar, pessimistically first */
  stopLossPct?: number;
  /** profit target, fraction of entry price; a resting limit */
  takeProfitPct?: number;
  /** smallest quantity step (1 = whole units, default; 1e-6 for crypto) */
  qtyStep?: number;
  /** where the position still open at the end is closed (default 'last-open', as the reference) */
  closeAtEnd?: 'last-open' | 'last-close' | 'none';
  /**
   * a signal in the direction already held: 'ignore' it (default) or close and reopen, as
   * backtesting.py's `position.close(); buy()` does
   */
  onRepeatSignal?: 'ignore' | 'reopen';
  /** approves, trims (returns less) or denies (returns 0) each entry; default approves */
  riskGate?: (req: EntryRequest) => number;
}

export type ExitReason = 'signal' | 'stop-loss' | 'take-profit' | 'end';

export interface Trade {
  side: 'long' | 'short';
  size: number;
  entryIndex: number;
  exitIndex: number;
  entryTime: number;
  exitTime: number;
  entryPrice: number;
  exitPrice: number;
  /** side x size x (exit - entry) minus both commissions */
  pnl: number;
  /** pnl as a fraction of the entry notional */
  returnPct: number;
  commission: number;
  exitReason: ExitReason;
}

export interface BacktestResult {
  trades: Trade[];
  /** equity at each bar's close (mark to market, exit costs not yet paid) */
  equity: Float64Array;
  /** bar times, shared with the input columns */
  times: Float64Array;
  initialCash: number;
  finalEquity: number;
  totalCommission: number;
  /** bars during which a position was held at the close */
  barsInMarket: number;
  /** the strategy's warm-up in bars (its first possible signal is at bar index warmup) */
  warmup: number;
  /** entries the risk gate or the sizing refused (too little cash for one unit) */
  skippedEntries: number;
}
