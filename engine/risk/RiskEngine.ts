// Pre-trade risk: sizing and the checks every order passes before it may exist.
// Each rule is named, reports its value and limit, and says in words why it denied.
// Rules about new exposure (size, concentration, volatility, stale data, ...) apply only to
// orders that open or grow a position; an order that only shrinks one is never blocked by them.
import type {
  AccountState,
  BrokerEnvironment,
  Instrument,
  OrderRecord,
  Position,
  RiskCheckResult,
  RiskSettings,
  Side,
  SizingExplanation,
  TradingState,
} from '../domain/types';
import { MAX_RISK_PER_TRADE } from '../defaults';
import { num, pct, usd } from '../util/format';
import { returnCorrelation, type SymbolStats } from './SymbolStats';

/** Alpaca's REST limit is 200 requests/min per account; we stay under it with room for cancels. */
export const MAX_ORDERS_PER_SECOND = 10;
export const MAX_ORDERS_PER_MINUTE = 200;
/** data is never called stale sooner than this, whatever the bar interval */
export const STALE_DATA_FLOOR_MS = 2000;

/** What the risk rules may know about the market, where it is known (live engine; not every backtest). */
export interface MarketView {
  stats(symbol: string): SymbolStats | undefined;
  /** wall-clock interval between bars of the feed */
  expectedBarIntervalMs: number;
  lastPrice(symbol: string): number | null;
}

export interface RiskContext {
  settings: RiskSettings;
  tradingState: TradingState;
  account: AccountState;
  positions: ReadonlyMap<string, Position>;
  openOrders: Iterable<OrderRecord>;
  instrument: Instrument;
  price: number;
  /** times of orders sent recently (any order, oldest first), for the order-rate rule */
  recentOrderTimes?: readonly number[];
  now?: number;
  environment?: BrokerEnvironment;
  market?: MarketView;
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

export function roundPrice(price: number, instrument: Instrument): number {
  const inc = instrument.priceIncrement;
  return Number((Math.round(price / inc) * inc).toFixed(10));
}

function unitOf(instrument: Instrument): string {
  return instrument.assetClass === 'crypto' ? instrument.symbol.split('/')[0] ?? 'units' : 'shares';
}

/** Fixed-fraction sizing: commit `fraction` of equity to a new position. */
export function sizeByFixedFraction(equity: number, price: number, instrument: Instrument, fraction: number): SizingExplanation {
  const budget = equity * fraction;
  const rawQty = price > 0 ? budget / price : 0;
  const qty = roundQtyDown(rawQty, instrument);
  return {
    method: 'fixed-fraction',
    equity,
    price,
    rawQty,
    qty,
    text: `${num(fraction * 100, 1)}% of ${usd(equity)} equity = ${usd(budget)}; / ${usd(price)} = ${num(rawQty, 4)} -> ${qty} ${unitOf(instrument)}`,
  };
}

/**
 * Risk-based sizing: risk `riskPerTradePct` of equity between the entry and a stop placed
 * `stopAtrMultiple` ATRs away, then never more than the max position notional.
 */
export function sizeByRisk(equity: number, price: number, atr: number, side: Side, instrument: Instrument, settings: RiskSettings): SizingExplanation {
  const riskBudget = equity * Math.min(settings.riskPerTradePct, MAX_RISK_PER_TRADE);
  const stopDistance = atr * settings.stopAtrMultiple;
  const dir = side === 'buy' ? 1 : -1;
  const stopPrice = roundPrice(price - dir * stopDistance, instrument);
  const targetPrice = roundPrice(price + dir * atr * settings.targetAtrMultiple, instrument);
  const rawQty = stopDistance > 0 ? riskBudget / stopDistance : 0;
  const capQty = roundQtyDown((settings.maxPositionNotionalPct * equity) / price, instrument);
  const byRisk = roundQtyDown(rawQty, instrument);
  const qty = Math.min(byRisk, capQty);
  const unit = unitOf(instrument);
  const capped = qty < byRisk ? `; capped at ${pct(settings.maxPositionNotionalPct, 0)} of equity = ${qty} ${unit}` : '';
  return {
    method: 'risk-based',
    equity,
    price,
    rawQty,
    qty,
    stopPrice,
    targetPrice,
    text:
      `risk ${pct(settings.riskPerTradePct, 1)} of ${usd(equity)} = ${usd(riskBudget)}; stop ${num(settings.stopAtrMultiple, 1)} x ATR ${num(atr, 4)} = ${usd(stopDistance)} ` +
      `(stop ${usd(stopPrice)}, target ${usd(targetPrice)}); ${usd(riskBudget)} / ${usd(stopDistance)} = ${num(rawQty, 4)} -> ${byRisk} ${unit}${capped}`,
  };
}

/** Does this order only shrink the existing position (never open or flip)? */
export function isReducing(position: Position | undefined, side: Side, qty: number): boolean {
  const held = position?.qty ?? 0;
  if (held === 0) return false;
  const signed = side === 'buy' ? qty : -qty;
  return Math.sign(signed) !== Math.sign(held) && qty <= Math.abs(held) + 1e-9;
}

function countSince(times: readonly number[], since: number): number {
  let n = 0;
  for (let i = times.length - 1; i >= 0 && (times[i] as number) > since; i--) n++;
  return n;
}

export function grossExposureOf(positions: ReadonlyMap<string, Position>, priceOf: (s: string) => number | null): number {
  let g = 0;
  for (const p of positions.values()) g += Math.abs(p.qty) * (priceOf(p.symbol) ?? p.avgEntryPrice);
  return g;
}

export function checkOrder(ctx: RiskContext, order: ProposedOrder): RiskDecision {
  const checks: RiskCheckResult[] = [];
  const { settings, account, instrument, price, market } = ctx;
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
    const equity = account.equity;
    const stats = market?.stats(order.symbol);
    const atr = stats?.atrValue ?? null;
    if (atr !== null && equity > 0) {
      const risk = order.qty * atr * settings.stopAtrMultiple;
      const ok = risk <= MAX_RISK_PER_TRADE * equity + 1e-6;
      add('risk_per_trade', ok, risk / equity, MAX_RISK_PER_TRADE, ok ? `risks ${usd(risk)} (${pct(risk / equity, 2)} of equity) to a ${num(settings.stopAtrMultiple, 1)} x ATR stop` : `would risk ${usd(risk)} = ${pct(risk / equity, 2)} of equity to a ${num(settings.stopAtrMultiple, 1)} x ATR stop; the hard cap is ${pct(MAX_RISK_PER_TRADE, 0)}`);
    }

    const signed = order.side === 'buy' ? order.qty : -order.qty;
    const resulting = Math.abs((position?.qty ?? 0) + signed) * price;
    const cap = settings.maxPositionNotionalPct * equity;
    add('max_position_notional', resulting <= cap + 1e-6, resulting, cap, resulting <= cap + 1e-6 ? `position would be ${usd(resulting)} (cap ${usd(cap)})` : `position would be ${usd(resulting)}, above the cap of ${num(settings.maxPositionNotionalPct * 100, 0)}% of equity = ${usd(cap)}`);

    const opensNew = !position || position.qty === 0;
    if (opensNew) {
      const held = new Set<string>();
      for (const p of ctx.positions.values()) if (p.qty !== 0) held.add(p.symbol);
      for (const o of ctx.openOrders) if (o.status !== 'pending_cancel') held.add(o.symbol);
      held.delete(order.symbol);
      add('max_open_positions', held.size < settings.maxOpenPositions, held.size + 1, settings.maxOpenPositions, held.size < settings.maxOpenPositions ? `${held.size + 1} of ${settings.maxOpenPositions} positions` : `already ${held.size} positions or pending entries; the limit is ${settings.maxOpenPositions}`);
    }

    const gross = grossExposureOf(ctx.positions, (s) => (s === order.symbol ? price : market?.lastPrice(s) ?? null));
    const grossAfter = gross - Math.abs(position?.qty ?? 0) * price + resulting;
    const grossCap = settings.maxGrossExposurePct * equity;
    add('gross_exposure', grossAfter <= grossCap + 1e-6, grossAfter, grossCap, grossAfter <= grossCap + 1e-6 ? `gross exposure would be ${usd(grossAfter)} (cap ${usd(grossCap)})` : `gross exposure would be ${usd(grossAfter)}, above ${pct(settings.maxGrossExposurePct, 0)} of equity = ${usd(grossCap)}`);

    if (ctx.environment === 'live') {
      const liveCap = settings.liveExposureCapPct * equity;
      add('live_capital_throttle', grossAfter <= liveCap + 1e-6, grossAfter, liveCap, grossAfter <= liveCap + 1e-6 ? `live exposure would be ${usd(grossAfter)} (throttle ${usd(liveCap)})` : `live exposure would be ${usd(grossAfter)}, above the live capital throttle of ${pct(settings.liveExposureCapPct, 1)} of equity = ${usd(liveCap)}; raise it in Settings once live trading has earned it`);
    }

    if (stats) {
      const cur = stats.currentAtrPct;
      const median = stats.medianAtrPct();
      if (cur !== null && median !== null && median > 0) {
        const ratio = cur / median;
        const ok = ratio <= settings.volatilityBreakerMultiple;
        add('volatility_breaker', ok, ratio, settings.volatilityBreakerMultiple, ok ? `ATR% is ${num(ratio, 2)}x its 100-bar median` : `volatility breaker: ATR% ${pct(cur, 2)} is ${num(ratio, 2)}x its 100-bar median ${pct(median, 2)}; no new entries above ${num(settings.volatilityBreakerMultiple, 1)}x`);
      }
      if (market && ctx.now !== undefined && stats.lastArrival !== null) {
        const age = ctx.now - stats.lastArrival;
        // a floor in wall-clock time: at high simulator speeds two bar intervals are a few
        // milliseconds, less than the event loop's own jitter
        const limit = Math.max(settings.staleDataBars * market.expectedBarIntervalMs, STALE_DATA_FLOOR_MS);
        add('stale_data', age <= limit, age, limit, age <= limit ? `last bar ${Math.round(age)} ms ago` : `the last ${order.symbol} bar arrived ${(age / 1000).toFixed(1)} s ago, more than ${settings.staleDataBars} bar intervals (${(limit / 1000).toFixed(1)} s): no new entries on stale data`);
      }
      if (opensNew) {
        let worst = 0;
        let worstSymbol = '';
        for (const p of ctx.positions.values()) {
          if (p.qty === 0 || p.symbol === order.symbol) continue;
          const other = market?.stats(p.symbol);
          const corr = other ? returnCorrelation(stats, other) : null;
          if (corr !== null && corr > worst) {
            worst = corr;
            worstSymbol = p.symbol;
          }
        }
        const ok = worst <= settings.maxCorrelation;
        add('concentration', ok, worst, settings.maxCorrelation, ok ? (worstSymbol ? `highest 60-bar correlation ${num(worst, 2)} (with ${worstSymbol})` : 'no correlated open position') : `60-bar return correlation with the open ${worstSymbol} position is ${num(worst, 2)}, above ${num(settings.maxCorrelation, 2)}`);
      }
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
