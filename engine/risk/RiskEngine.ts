// Pre-trade risk: sizing and the checks every order passes before it may exist.
// Each rule is named, reports its value and limit, and says in words why it denied.
import type {
  AccountState,
  Instrument,
  OrderRecord,
  Position,
  RiskCheckResult,
  RiskSettings,
  Side,
  SizingExplanation,
  TradingState,
} from '../domain/types';
import { num, usd } from '../util/format';

export interface RiskContext {
  settings: RiskSettings;
  tradingState: TradingState;
  account: AccountState;
  positions: ReadonlyMap<string, Position>;
  openOrders: Iterable<OrderRecord>;
  instrument: Instrument;
  price: number;
  /** times of orders sent recently (any order, newest last), for the order-rate rule */
  recentOrderTimes?: readonly number[];
  now?: number;
}

/** Alpaca's REST limit is 200 requests/min per account; we stay under it with room for cancels. */
export const MAX_ORDERS_PER_SECOND = 10;
export const MAX_ORDERS_PER_MINUTE = 200;

function countSince(times: readonly number[], since: number): number {
  let n = 0;
  for (let i = times.length - 1; i >= 0 && (times[i] as number) > since; i--) n++;
  return n;
}

export interface ProposedOrder {
  symbol: string;
  side: Side;
  qty: number;
}

export type RiskDecision =
  | { approved: true; checks: RiskCheckResult[] }
  | { approved: false; checks: RiskCheckResult[]; reason: string };

/** Round a quantity down to the instrument's increment (never up: rounding must not add risk). */
export function roundQtyDown(qty: number, instrument: Instrument): number {
  const inc = instrument.fractionable ? instrument.qtyIncrement : Math.max(1, instrument.qtyIncrement);
  const steps = Math.floor(qty / inc + 1e-9);
  return Number((steps * inc).toFixed(10));
}

/** Fixed-fraction sizing: commit `positionFraction` of equity to a new position. */
export function sizeByFixedFraction(equity: number, price: number, instrument: Instrument, settings: RiskSettings): SizingExplanation {
  const budget = equity * settings.positionFraction;
  const rawQty = price > 0 ? budget / price : 0;
  const qty = roundQtyDown(rawQty, instrument);
  const unit = instrument.assetClass === 'crypto' ? instrument.symbol.split('/')[0] ?? 'units' : 'shares';
  return {
    method: 'fixed-fraction',
    equity,
    price,
    rawQty,
    qty,
    text: `${num(settings.positionFraction * 100, 1)}% of ${usd(equity)} equity = ${usd(budget)}; / ${usd(price)} = ${num(rawQty, 4)} -> ${qty} ${unit}`,
  };
}

/** Does this order only shrink the existing position (never open or flip)? */
export function isReducing(position: Position | undefined, side: Side, qty: number): boolean {
  const held = position?.qty ?? 0;
  if (held === 0) return false;
  const signed = side === 'buy' ? qty : -qty;
  return Math.sign(signed) !== Math.sign(held) && qty <= Math.abs(held) + 1e-9;
}

export function checkOrder(ctx: RiskContext, order: ProposedOrder): RiskDecision {
  const checks: RiskCheckResult[] = [];
  const { settings, account, instrument, price } = ctx;
  const position = ctx.positions.get(order.symbol);
  const reducing = isReducing(position, order.side, order.qty);
  const add = (rule: string, passed: boolean, value: number, limit: number, message: string) =>
    checks.push({ rule, passed, value, limit, message });

  // Trading state first: while halted nothing but cancels; while reducing only orders that shrink a position.
  const stateOk = ctx.tradingState === 'active' || (ctx.tradingState === 'reducing' && reducing);
  add(
    'trading_state',
    stateOk,
    ctx.tradingState === 'active' ? 0 : ctx.tradingState === 'reducing' ? 1 : 2,
    reducing ? 1 : 0,
    stateOk ? `trading is ${ctx.tradingState}` : ctx.tradingState === 'halted' ? 'trading is halted: only cancels are allowed until re-armed' : 'trading is reducing: only orders that shrink a position are allowed',
  );

  if (ctx.recentOrderTimes && ctx.now !== undefined) {
    const perSec = countSince(ctx.recentOrderTimes, ctx.now - 1000);
    const perMin = countSince(ctx.recentOrderTimes, ctx.now - 60_000);
    const rateOk = perSec < MAX_ORDERS_PER_SECOND && perMin < MAX_ORDERS_PER_MINUTE;
    add('order_rate', rateOk, perSec, MAX_ORDERS_PER_SECOND, rateOk ? `${perSec} orders in the last second, ${perMin} in the last minute` : perSec >= MAX_ORDERS_PER_SECOND ? `already ${perSec} orders in the last second; the limit is ${MAX_ORDERS_PER_SECOND}/s` : `already ${perMin} orders in the last minute; the limit is ${MAX_ORDERS_PER_MINUTE}/min`);
  }

  const increment = instrument.fractionable ? instrument.qtyIncrement : 1;
  const onIncrement = Math.abs(order.qty / increment - Math.round(order.qty / increment)) < 1e-6;
  add('quantity', order.qty > 0 && onIncrement, order.qty, increment, order.qty > 0 && onIncrement ? `quantity ${order.qty} is valid` : instrument.fractionable ? `quantity must be a positive multiple of ${increment}` : `${instrument.symbol} trades in whole shares only: quantity ${order.qty} is not a whole number`);

  const notional = order.qty * price;
  add('min_notional', notional >= instrument.minNotional, notional, instrument.minNotional, notional >= instrument.minNotional ? `notional ${usd(notional)} meets the minimum` : `order notional ${usd(notional)} is below the minimum ${usd(instrument.minNotional)}`);

  if (!reducing) {
    const signed = order.side === 'buy' ? order.qty : -order.qty;
    const resulting = Math.abs((position?.qty ?? 0) + signed) * price;
    const cap = settings.maxPositionNotionalPct * account.equity;
    add('max_position_notional', resulting <= cap + 1e-6, resulting, cap, resulting <= cap + 1e-6 ? `position would be ${usd(resulting)} (cap ${usd(cap)})` : `position would be ${usd(resulting)}, above the cap of ${num(settings.maxPositionNotionalPct * 100, 0)}% of equity = ${usd(cap)}`);

    const opensNew = !position || position.qty === 0;
    if (opensNew) {
      const held = new Set<string>();
      for (const p of ctx.positions.values()) if (p.qty !== 0) held.add(p.symbol);
      for (const o of ctx.openOrders) if (o.status !== 'pending_cancel') held.add(o.symbol);
      held.delete(order.symbol);
      add('max_open_positions', held.size < settings.maxOpenPositions, held.size + 1, settings.maxOpenPositions, held.size < settings.maxOpenPositions ? `${held.size + 1} of ${settings.maxOpenPositions} positions` : `already ${held.size} positions or pending entries; the limit is ${settings.maxOpenPositions}`);
    }

    if (order.side === 'buy') {
      let reserved = 0;
      for (const o of ctx.openOrders) if (o.side === 'buy') reserved += (o.qty - o.filledQty) * (o.limitPrice ?? price);
      const available = account.cash - reserved;
      add('buying_power', notional <= available + 1e-6, notional, available, notional <= available + 1e-6 ? `needs ${usd(notional)} of ${usd(available)} available` : `needs ${usd(notional)} but only ${usd(available)} of buying power is available`);
    } else {
      const held = Math.max(0, position?.qty ?? 0);
      const shortOk = order.qty <= held + 1e-9 || instrument.shortable;
      add('shortable', shortOk, order.qty, held, shortOk ? 'sell is covered or the instrument is shortable' : `${instrument.symbol} cannot be sold short: selling ${order.qty} but holding ${held}`);
    }
  }

  const failed = checks.find((c) => !c.passed);
  return failed ? { approved: false, checks, reason: `${failed.rule}: ${failed.message}` } : { approved: true, checks };
}
