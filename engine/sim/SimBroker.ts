// The built-in simulated broker. It behaves like a remote broker: it keeps its own books
// (SimLedger, persisted apart from our journal), refuses a duplicate client_order_id as Alpaca
// does, fills market orders at the last price with slippage and commission, rests limit orders
// until a bar crosses them, and reports everything as asynchronous events.
import type { Bar, BrokerStatus, Fill, Side } from '../domain/types';
import type {
  Broker,
  BrokerAccount,
  BrokerEvent,
  BrokerOrder,
  BrokerOrderRequest,
  BrokerPosition,
  BrokerResult,
  Clock,
} from '../ports';
import { invariant } from '../util/assert';
import type { SimLedger, SimOrderRow, SimPositionRow } from './ledger';
import type { SimMarket } from './SimMarket';

export interface SimBrokerOptions {
  ledger: SimLedger;
  market: SimMarket;
  clock: Clock;
  initialCash?: number;
  /** commission as a fraction of notional */
  commissionRate?: number;
  /** adverse slippage of market orders, in basis points */
  slippageBps?: number;
}

const toBrokerOrder = (o: SimOrderRow): BrokerOrder => ({
  brokerOrderId: o.brokerOrderId,
  clientOrderId: o.clientOrderId,
  symbol: o.symbol,
  side: o.side,
  type: o.type,
  qty: o.qty,
  limitPrice: o.limitPrice,
  status: o.status,
  filledQty: o.filledQty,
  avgFillPrice: o.avgFillPrice,
});

export class SimBroker implements Broker {
  readonly status: BrokerStatus = { kind: 'sim', environment: 'simulated', connected: true, message: 'built-in simulator' };
  private cash: number;
  private readonly positions = new Map<string, SimPositionRow>();
  private readonly open = new Map<string, SimOrderRow>();
  private readonly listeners = new Set<(e: BrokerEvent) => void>();
  private orderSeq: number;
  private fillSeq: number;
  private readonly commissionRate: number;
  private readonly slippage: number;
  private readonly unsubscribeMarket: () => void;
  private closed = false;
  private owedFills: SimOrderRow[] = [];

  constructor(private readonly opts: SimBrokerOptions) {
    this.commissionRate = opts.commissionRate ?? 0.0005;
    this.slippage = (opts.slippageBps ?? 2) / 10_000;
    const state = opts.ledger.load();
    if (state) {
      this.cash = state.cash;
      for (const p of state.positions) this.positions.set(p.symbol, p);
      for (const o of state.openOrders) this.open.set(o.clientOrderId, o);
      this.orderSeq = state.nextOrderSeq;
      this.fillSeq = state.nextFillSeq;
    } else {
      this.cash = opts.initialCash ?? 100_000;
      opts.ledger.init(this.cash);
      this.orderSeq = 1;
      this.fillSeq = 1;
    }
    this.unsubscribeMarket = opts.market.onBars((batch) => this.onBars(batch));
    // Market orders accepted just before a crash are still owed a fill.
    for (const o of this.open.values()) if (o.type === 'market') this.scheduleMarketFill(o);
  }

  async submitOrder(req: BrokerOrderRequest): Promise<BrokerResult<BrokerOrder>> {
    const now = this.opts.clock.now();
    const existing = this.opts.ledger.getOrderByClientId(req.clientOrderId);
    if (existing) {
      this.opts.ledger.recordSubmission(req.clientOrderId, false, now);
      return { ok: false, kind: 'rejected', message: `client_order_id must be unique (${req.clientOrderId} already exists)` };
    }
    this.opts.ledger.recordSubmission(req.clientOrderId, true, now);
    const instrument = this.opts.market.instruments().find((i) => i.symbol === req.symbol);
    const last = this.opts.market.lastPrice(req.symbol);
    const reject = (message: string): BrokerResult<BrokerOrder> => {
      const row = this.newRow(req, now, 'rejected');
      this.opts.ledger.saveOrders([row]);
      this.emit({ type: 'order', order: toBrokerOrder(row), reason: message });
      return { ok: false, kind: 'rejected', message };
    };
    if (!instrument || last === null) return reject(`asset ${req.symbol} is not tradable`);
    if (!(req.qty > 0) || !Number.isFinite(req.qty)) return reject('qty must be > 0');
    if (req.type !== 'market' && req.type !== 'limit') return reject(`order type ${req.type} is not supported by the simulator`);
    if (req.type === 'limit' && !(req.limitPrice !== null && req.limitPrice > 0)) return reject('limit_price must be > 0');
    if (req.bracket) {
      // as Alpaca: no advanced order classes for crypto, and the legs must sit on either side of the market
      if (instrument.assetClass !== 'us_equity') return reject('crypto orders not allowed for advanced order_class: bracket');
      const { stopLoss, takeProfit } = req.bracket;
      const ordered = req.side === 'buy' ? stopLoss < last && last < takeProfit : takeProfit < last && last < stopLoss;
      if (!(stopLoss > 0 && takeProfit > 0) || !ordered) {
        return reject(`bracket legs must be on either side of the market (stop_loss ${stopLoss}, take_profit ${takeProfit}, last ${last})`);
      }
    }
    const held = this.positions.get(req.symbol)?.qty ?? 0;
    // Open sells hold a long position's qty (a bracket's legs do): like Alpaca, a sell beyond
    // what is left is refused rather than shorting through the held shares.
    const heldForSells = held > 0 ? this.openQty(req.symbol, 'sell') : 0;
    const available = Math.max(0, held - heldForSells);
    if (req.side === 'sell' && held - heldForSells - req.qty < -1e-9 && (!instrument.shortable || heldForSells > 0)) {
      return reject(`insufficient qty available for order (requested: ${req.qty}, available: ${available})`);
    }
    if (req.side === 'buy') {
      const px = req.type === 'limit' ? (req.limitPrice as number) : last * (1 + this.slippage);
      const cost = req.qty * px * (1 + this.commissionRate);
      const reserved = this.reservedForBuys();
      if (held >= 0 && cost > this.cash - reserved + 1e-9) {
        return reject(`insufficient buying power (needed ${cost.toFixed(2)}, available ${(this.cash - reserved).toFixed(2)})`);
      }
    }
    const row = this.newRow(req, now, 'accepted');
    this.open.set(row.clientOrderId, row);
    this.opts.ledger.saveOrders([row]);
    this.emit({ type: 'order', order: toBrokerOrder(row), reason: null });
    if (row.type === 'market') this.scheduleMarketFill(row);
    else this.tryFillLimitAtLast(row);
    return { ok: true, value: toBrokerOrder(row) };
  }

  async cancelOrder(clientOrderId: string): Promise<BrokerResult<void>> {
    const row = this.open.get(clientOrderId);
    if (!row) {
      const known = this.opts.ledger.getOrderByClientId(clientOrderId);
      return known
        ? { ok: false, kind: 'rejected', message: `order is already ${known.status}` }
        : { ok: false, kind: 'not_found', message: `order ${clientOrderId} not found` };
    }
    this.cancelRows([row]);
    return { ok: true, value: undefined };
  }

  async cancelAllOrders(): Promise<BrokerResult<void>> {
    this.cancelRows([...this.open.values()]);
    return { ok: true, value: undefined };
  }

  async getOrderByClientId(clientOrderId: string): Promise<BrokerResult<BrokerOrder | null>> {
    const row = this.open.get(clientOrderId) ?? this.opts.ledger.getOrderByClientId(clientOrderId);
    // with the commission charged, so a restart that recovers missed fills books their cost too
    return { ok: true, value: row ? { ...toBrokerOrder(row), commission: this.opts.ledger.commissionFor(clientOrderId) } : null };
  }

  async listOpenOrders(): Promise<BrokerResult<BrokerOrder[]>> {
    return { ok: true, value: [...this.open.values()].map(toBrokerOrder) };
  }

  async listPositions(): Promise<BrokerResult<BrokerPosition[]>> {
    return {
      ok: true,
      value: [...this.positions.values()].filter((p) => p.qty !== 0).map((p) => ({ symbol: p.symbol, qty: p.qty, avgEntryPrice: p.avgEntryPrice })),
    };
  }

  async getAccount(): Promise<BrokerResult<BrokerAccount>> {
    let mv = 0;
    for (const p of this.positions.values()) mv += p.qty * (this.opts.market.lastPrice(p.symbol) ?? p.avgEntryPrice);
    const equity = this.cash + mv;
    return { ok: true, value: { cash: this.cash, equity, buyingPower: Math.max(0, this.cash - this.reservedForBuys()), status: 'ACTIVE', tradingBlocked: false } };
  }

  async closeAllPositions(): Promise<BrokerResult<void>> {
    const now = this.opts.clock.now();
    for (const p of this.positions.values()) {
      if (p.qty === 0) continue;
      const side: Side = p.qty > 0 ? 'sell' : 'buy';
      const req: BrokerOrderRequest = {
        clientOrderId: `sim-close-${p.symbol.replace('/', '')}-${this.orderSeq}`,
        symbol: p.symbol,
        side,
        type: 'market',
        qty: Math.abs(p.qty),
        limitPrice: null,
        stopPrice: null,
        tif: 'day',
      };
      const row = this.newRow(req, now, 'accepted');
      this.open.set(row.clientOrderId, row);
      this.opts.ledger.saveOrders([row]);
      this.emit({ type: 'order', order: toBrokerOrder(row), reason: 'close all positions' });
      this.scheduleMarketFill(row);
    }
    return { ok: true, value: undefined };
  }

  onEvent(listener: (e: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribeMarket();
  }

  /** Settle every owed fill now (tests and benches use it instead of waiting on timers). */
  flush(): void {
    for (const o of [...this.open.values()]) if (o.type === 'market') this.fillMarket(o);
  }

  private newRow(req: BrokerOrderRequest, now: number, status: SimOrderRow['status']): SimOrderRow {
    return {
      brokerOrderId: `sim-${String(this.orderSeq++).padStart(8, '0')}`,
      clientOrderId: req.clientOrderId,
      symbol: req.symbol,
      side: req.side,
      type: req.type,
      qty: req.qty,
      limitPrice: req.limitPrice,
      stopPrice: req.stopPrice,
      bracket: req.bracket ?? null,
      status,
      filledQty: 0,
      avgFillPrice: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  private openQty(symbol: string, side: Side): number {
    let q = 0;
    for (const o of this.open.values()) if (o.symbol === symbol && o.side === side) q += o.qty - o.filledQty;
    return q;
  }

  /** A bracket entry filled: the broker now holds its exits, a stop and a limit, one cancelling the other. */
  private openBracketLegs(parent: SimOrderRow): void {
    const b = parent.bracket;
    if (!b) return;
    const now = this.opts.clock.now();
    const side: Side = parent.side === 'buy' ? 'sell' : 'buy';
    const base = { symbol: parent.symbol, side, qty: parent.qty, tif: 'gtc' as const, bracket: null };
    const sl = this.newRow({ ...base, clientOrderId: `${parent.clientOrderId}-sl`, type: 'stop', limitPrice: null, stopPrice: b.stopLoss }, now, 'accepted');
    const tp = this.newRow({ ...base, clientOrderId: `${parent.clientOrderId}-tp`, type: 'limit', limitPrice: b.takeProfit, stopPrice: null }, now, 'accepted');
    for (const leg of [sl, tp]) this.open.set(leg.clientOrderId, leg);
    this.opts.ledger.saveOrders([sl, tp]);
    for (const leg of [sl, tp]) this.emit({ type: 'order', order: toBrokerOrder(leg), reason: `bracket leg of ${parent.clientOrderId}` });
    this.tryFillLimitAtLast(tp);
  }

  /** The other leg of a bracket exit, while it is open. */
  private siblingLeg(row: SimOrderRow): SimOrderRow | null {
    const m = /^(.+)-(sl|tp)$/.exec(row.clientOrderId);
    if (!m) return null;
    return this.open.get(`${m[1]}-${m[2] === 'sl' ? 'tp' : 'sl'}`) ?? null;
  }

  private reservedForBuys(): number {
    let r = 0;
    for (const o of this.open.values()) {
      if (o.side !== 'buy') continue;
      const px = o.limitPrice ?? this.opts.market.lastPrice(o.symbol) ?? 0;
      r += (o.qty - o.filledQty) * px * (1 + this.commissionRate);
    }
    return r;
  }

  private cancelRows(rows: SimOrderRow[]): void {
    if (rows.length === 0) return;
    const now = this.opts.clock.now();
    for (const r of rows) {
      r.status = 'canceled';
      r.updatedAt = now;
      this.open.delete(r.clientOrderId);
    }
    this.opts.ledger.saveOrders(rows);
    for (const r of rows) this.emit({ type: 'order', order: toBrokerOrder(r), reason: 'canceled' });
  }

  private scheduleMarketFill(row: SimOrderRow): void {
    // A real broker answers the submit first and reports the execution a moment later. Owed
    // fills are settled together on one timer, as an exchange reports a burst of executions.
    this.owedFills.push(row);
    if (this.owedFills.length === 1) {
      setTimeout(() => {
        const due = this.owedFills;
        this.owedFills = [];
        for (const r of due) this.fillMarket(r);
      }, 0);
    }
  }

  private fillMarket(row: SimOrderRow): void {
    if (this.closed || !this.open.has(row.clientOrderId)) return;
    const last = this.opts.market.lastPrice(row.symbol);
    if (last === null) return;
    const px = row.side === 'buy' ? last * (1 + this.slippage) : last * (1 - this.slippage);
    this.execute(row, row.qty - row.filledQty, px);
  }

  private tryFillLimitAtLast(row: SimOrderRow): void {
    const last = this.opts.market.lastPrice(row.symbol);
    if (last === null || row.limitPrice === null) return;
    if ((row.side === 'buy' && last <= row.limitPrice) || (row.side === 'sell' && last >= row.limitPrice)) {
      setTimeout(() => {
        if (this.open.has(row.clientOrderId)) this.execute(row, row.qty - row.filledQty, row.limitPrice as number);
      }, 0);
    }
  }

  private onBars(batch: { symbol: string; bar: Bar }[]): void {
    if (this.open.size === 0) return;
    for (const { symbol, bar } of batch) {
      for (const row of this.open.values()) {
        if (row.symbol !== symbol) continue;
        const stop = row.stopPrice ?? null;
        if (row.type === 'stop' && stop !== null) {
          // a stop triggers when the bar trades through it; a gap past it fills at the open
          if (row.side === 'sell' && bar.l <= stop) this.execute(row, row.qty - row.filledQty, Math.min(bar.o, stop));
          else if (row.side === 'buy' && bar.h >= stop) this.execute(row, row.qty - row.filledQty, Math.max(bar.o, stop));
          continue;
        }
        if (row.type !== 'limit' || row.limitPrice === null) continue;
        if (row.side === 'buy' && bar.l <= row.limitPrice) this.execute(row, row.qty - row.filledQty, Math.min(bar.o, row.limitPrice));
        else if (row.side === 'sell' && bar.h >= row.limitPrice) this.execute(row, row.qty - row.filledQty, Math.max(bar.o, row.limitPrice));
      }
    }
  }

  private execute(row: SimOrderRow, qty: number, rawPrice: number): void {
    invariant(qty > 0 && Number.isFinite(rawPrice) && rawPrice > 0, `simulator fill with qty ${qty} at ${rawPrice}`);
    const price = Math.round(rawPrice * 10_000) / 10_000;
    const now = this.opts.clock.now();
    const sign = row.side === 'buy' ? 1 : -1;
    const commission = Math.round(qty * price * this.commissionRate * 100) / 100;
    const pos = this.positions.get(row.symbol) ?? { symbol: row.symbol, qty: 0, avgEntryPrice: 0 };
    const newQty = pos.qty + sign * qty;
    let avg = pos.avgEntryPrice;
    if (pos.qty === 0 || Math.sign(pos.qty) === sign) avg = (Math.abs(pos.qty) * pos.avgEntryPrice + qty * price) / Math.abs(newQty);
    else if (Math.sign(newQty) !== Math.sign(pos.qty) && newQty !== 0) avg = price; // flipped through zero
    const position: SimPositionRow = { symbol: row.symbol, qty: Math.abs(newQty) < 1e-12 ? 0 : newQty, avgEntryPrice: newQty === 0 ? 0 : avg };
    const cash = this.cash - sign * qty * price - commission;
    const prevFilled = row.filledQty;
    row.filledQty = prevFilled + qty;
    row.avgFillPrice = ((row.avgFillPrice ?? 0) * prevFilled + price * qty) / row.filledQty;
    row.status = row.filledQty >= row.qty - 1e-12 ? 'filled' : 'partially_filled';
    row.updatedAt = now;
    const fill: Fill = {
      fillId: `${row.brokerOrderId}-f${this.fillSeq}`,
      clientOrderId: row.clientOrderId,
      symbol: row.symbol,
      side: row.side,
      qty,
      price,
      commission,
      // simulated market time (the bar it filled in), so fills sit on the right bar of the chart
      time: this.opts.market.lastBar(row.symbol)?.t ?? now,
    };
    this.fillSeq++;
    this.opts.ledger.applyFill({ fill, order: row, position, cash, nextFillSeq: this.fillSeq });
    this.cash = cash;
    this.positions.set(row.symbol, position);
    if (row.status === 'filled') this.open.delete(row.clientOrderId);
    this.emit({ type: 'fill', fill, order: toBrokerOrder(row) });
    if (row.status === 'filled') {
      this.openBracketLegs(row);
      // one cancels the other: the exit is done, the sibling leg would open a new position
      const sibling = this.siblingLeg(row);
      if (sibling) this.cancelRows([sibling]);
    }
  }

  private emit(e: BrokerEvent): void {
    // Deliver after the current call returns, as a network would.
    queueMicrotask(() => {
      for (const l of this.listeners) l(e);
    });
  }
}
