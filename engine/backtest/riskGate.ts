// Puts the live RiskEngine's pre-trade checks (engine/risk) in front of every backtest entry,
// so a backtest refuses exactly what live trading would refuse (position notional cap,
// minimum notional, quantity increment, shortability, trading state). The backtest holds one
// position at a time and opens only when flat, so the context is that single-symbol account.
import type { Instrument, RiskSettings } from '../domain/types';
import { checkOrder } from '../risk/RiskEngine';
import type { EntryRequest } from './types';

export interface RiskDenial {
  index: number;
  time: number;
  /** the RiskEngine rule that refused it (e.g. max_position_notional) */
  rule: string;
  reason: string;
}

export function riskEngineGate(settings: RiskSettings, instrument: Instrument, onDenied?: (d: RiskDenial) => void): (req: EntryRequest) => number {
  return (req) => {
    const decision = checkOrder(
      {
        settings,
        tradingState: 'active',
        account: { cash: req.equity, equity: req.equity, buyingPower: req.equity, dayStartEquity: req.equity, peakEquity: req.equity, updatedAt: req.time },
        positions: new Map(),
        openOrders: [],
        instrument,
        price: req.price,
      },
      { symbol: instrument.symbol, side: req.side === 'long' ? 'buy' : 'sell', qty: req.qty },
    );
    if (decision.approved) return req.qty;
    const rule = decision.checks.find((c) => !c.passed)?.rule ?? 'risk';
    onDenied?.({ index: req.index, time: req.time, rule, reason: decision.reason });
    return 0;
  };
}
