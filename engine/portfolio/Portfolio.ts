// Positions and cash as our journal knows them. Pure arithmetic; the engine persists the
// result of each fill in one transaction (Store.applyFill) before publishing it.
import type { AccountState, Fill, Position, PositionView } from '../domain/types';
import { invariant } from '../util/assert';

const EPS = 1e-9;

/** The position after one execution: weighted average on adds, realized P&L on reductions. */
export function applyFillToPosition(prev: Position | undefined, fill: Fill): Position {
  invariant(fill.qty > 0 && Number.isFinite(fill.qty), `fill ${fill.fillId} has quantity ${fill.qty}`);
  invariant(fill.price > 0 && Number.isFinite(fill.price), `fill ${fill.fillId} has price ${fill.price}`);
  const p = prev ?? { symbol: fill.symbol, qty: 0, avgEntryPrice: 0, realizedPnl: 0, updatedAt: fill.time };
  const signed = fill.side === 'buy' ? fill.qty : -fill.qty;
  const newQty = p.qty + signed;
  let avg = p.avgEntryPrice;
  let realized = p.realizedPnl - fill.commission;
  if (Math.abs(p.qty) < EPS || Math.sign(p.qty) === Math.sign(signed)) {
    avg = (Math.abs(p.qty) * p.avgEntryPrice + fill.qty * fill.price) / Math.abs(newQty);
  } else {
    const closing = Math.min(Math.abs(p.qty), fill.qty);
    realized += closing * (fill.price - p.avgEntryPrice) * Math.sign(p.qty);
    if (Math.abs(newQty) < EPS) avg = 0;
    else if (Math.sign(newQty) !== Math.sign(p.qty)) avg = fill.price;
  }
  return {
    symbol: fill.symbol,
    qty: Math.abs(newQty) < EPS ? 0 : newQty,
    avgEntryPrice: Math.abs(newQty) < EPS ? 0 : avg,
    realizedPnl: realized,
    updatedAt: fill.time,
  };
}

export function cashAfterFill(cash: number, fill: Fill): number {
  const signed = fill.side === 'buy' ? fill.qty : -fill.qty;
  return cash - signed * fill.price - fill.commission;
}

export function marketValue(positions: Iterable<Position>, lastPrice: (s: string) => number | null): number {
  let mv = 0;
  for (const p of positions) mv += p.qty * (lastPrice(p.symbol) ?? p.avgEntryPrice);
  return mv;
}

export function grossExposure(positions: Iterable<Position>, lastPrice: (s: string) => number | null): number {
  let g = 0;
  for (const p of positions) g += Math.abs(p.qty * (lastPrice(p.symbol) ?? p.avgEntryPrice));
  return g;
}

export function markAccount(prev: AccountState, cash: number, mv: number, now: number, dayChanged: boolean): AccountState {
  const equity = cash + mv;
  return {
    cash,
    equity,
    buyingPower: Math.max(0, cash),
    dayStartEquity: dayChanged ? equity : prev.dayStartEquity,
    peakEquity: Math.max(prev.peakEquity, equity),
    updatedAt: now,
  };
}

export function viewPosition(p: Position, last: number | null): PositionView {
  return {
    ...p,
    lastPrice: last,
    marketValue: last === null ? null : p.qty * last,
    unrealizedPnl: last === null ? null : p.qty * (last - p.avgEntryPrice),
  };
}
