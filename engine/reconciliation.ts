// Reconciliation with the broker: what is certain is applied at startup (recovery.ts); every
// remaining difference becomes an item the user resolves: adopt (take the broker's word into
// the journal), ignore (leave it, knowingly) or close (flatten it at the broker). Autonomous
// mode stays locked while any item is unresolved. It runs at startup, periodically, and when
// the broker connection comes back.
import type { OrderRecord, ReconciliationAction, ReconciliationItem } from './domain/types';
import type { EngineContext } from './context';
import type { OrderManager } from './orders/OrderManager';
import { recoverOpenOrders } from './recovery';

const EPS = 1e-9;
const IGNORED_KEY = 'reconciliationIgnored';

type IgnoredMap = Record<string, { journalQty: number; brokerQty: number; at: number }>;

/** how many of the broker's newest orders may be a flatten's close-outs (one per position, at most) */
const FLATTEN_LOOKBACK_ORDERS = 100;

export class Reconciler {
  /** the stop whose flatten orders have been taken in (one look per stop once it is over) */
  private flattenSettled: string | null = null;
  private running: Promise<ReconciliationItem[]> | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly orders: OrderManager,
  ) {}

  unresolved(): ReconciliationItem[] {
    return this.ctx.state.reconciliation.filter((i) => i.resolution === null);
  }

  /** Compare the journal with the broker; one run at a time. */
  run(why: string): Promise<ReconciliationItem[]> {
    if (!this.running) {
      this.running = this.compare(why).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /**
   * The emergency stop's flatten asks the broker to close every position, and a broker like Alpaca
   * picks the close orders' ids itself. A restart between that request and their events leaves
   * executions the journal cannot look up by its own ids. Nothing is sent after a halt, so they
   * are the broker's newest orders: the ones newer than the newest order the journal knows that
   * are market orders closing a journal position are taken in as their events would have been.
   * (By order of creation, not by time: the broker's clock is not ours.)
   */
  private async adoptFlattenOrders(why: string): Promise<void> {
    const { ctx } = this;
    const stop = ctx.state.lastStop;
    if (!stop?.flatten || !ctx.broker.listRecentOrders || this.flattenSettled === stop.id) return;
    const r = await ctx.broker.listRecentOrders(FLATTEN_LOOKBACK_ORDERS);
    if (!r.ok) {
      ctx.audit('recovery', `Reconciliation (${why}) could not list the orders of the last emergency stop's flatten: ${r.message}; will try again`);
      return;
    }
    for (const b of r.value) {
      // newest first: from the first order the journal knows on, everything is older than the stop's close-outs
      if (this.orders.current(b.clientOrderId)) break;
      const held = ctx.state.positions.get(b.symbol)?.qty ?? 0;
      const closes = b.type === 'market' && ((b.side === 'sell' && held > EPS) || (b.side === 'buy' && held < -EPS)) && b.qty <= Math.abs(held) + EPS;
      if (!closes) continue;
      this.orders.adoptOrder(b);
      if (b.filledQty > EPS && b.avgFillPrice !== null) {
        this.orders.applyFill(
          {
            fillId: `${b.brokerOrderId}:reconciled:${b.filledQty}`,
            clientOrderId: b.clientOrderId,
            symbol: b.symbol,
            side: b.side,
            qty: b.filledQty,
            price: b.avgFillPrice,
            commission: b.commission ?? 0,
            time: ctx.clock.now(),
          },
          b,
        );
      }
      ctx.audit('recovery', `Took in ${b.side} ${b.qty} ${b.symbol} (${b.status}, filled ${b.filledQty}): the emergency stop's flatten closed it while the app was not listening (order ${b.clientOrderId})`, { order: b });
    }
    // settled once the stop is over; while it runs, its close-outs may still be arriving
    if (stop.status !== 'running') this.flattenSettled = stop.id;
  }

  private async compare(why: string): Promise<ReconciliationItem[]> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const [positions, open] = await Promise.all([ctx.broker.listPositions(), ctx.broker.listOpenOrders()]);
    if (!positions.ok || !open.ok) {
      const message = !positions.ok ? positions.message : !open.ok ? open.message : '';
      ctx.audit('recovery', `Reconciliation (${why}) could not reach the broker: ${message}; will try again`);
      return ctx.state.reconciliation;
    }
    // Journal open orders the broker's list contradicts (gone from it, or filled further than we
    // know: events missed while the stream was down, a submit whose answer never came) are
    // certain once looked up by id: apply that first, so only real differences reach the user.
    // Orders whose submit is still being decided are left to it.
    const listed = new Map(open.value.map((b) => [b.clientOrderId, b]));
    const contradicted = (o: OrderRecord): boolean => {
      if (this.orders.isInFlight(o.clientOrderId)) return false;
      const b = listed.get(o.clientOrderId);
      return !b || b.filledQty > o.filledQty + EPS;
    };
    if ([...ctx.state.openOrders.values()].some(contradicted)) {
      const issues = await recoverOpenOrders(ctx, this.orders, contradicted, `its answer or events were lost (${why})`);
      if (issues.length > 0) ctx.audit('recovery', `Reconciliation (${why}) could not settle every order: ${issues.join('; ')}`);
    }
    await this.adoptFlattenOrders(why);
    // An order we had concluded was never placed, open at the broker after all: the broker's word wins.
    for (const b of open.value) {
      if (this.orders.current(b.clientOrderId)?.status === 'unsent') this.orders.handleBrokerEvent({ type: 'order', order: b, reason: null });
    }
    const ignored = ctx.store.getMeta<IgnoredMap>(IGNORED_KEY) ?? {};
    const previous = new Map(ctx.state.reconciliation.map((i) => [i.id, i]));
    const found: ReconciliationItem[] = [];

    const theirs = new Map(positions.value.map((p) => [p.symbol, p]));
    const symbols = new Set([...theirs.keys(), ...ctx.state.positions.keys()]);
    for (const symbol of symbols) {
      const journalQty = ctx.state.positions.get(symbol)?.qty ?? 0;
      const broker = theirs.get(symbol);
      const brokerQty = broker?.qty ?? 0;
      if (Math.abs(journalQty - brokerQty) <= EPS) continue;
      // an order still working for this symbol explains a difference in flight: wait for it
      if ([...ctx.state.openOrders.values()].some((o) => o.symbol === symbol && o.status === 'pending_submit')) continue;
      const id = `position:${symbol}`;
      found.push({
        id,
        kind: 'position',
        symbol,
        description: `position ${symbol}: journal ${journalQty}, broker ${brokerQty}`,
        journalQty,
        brokerQty,
        brokerAvgPrice: broker?.avgEntryPrice ?? null,
        brokerOrder: null,
        foundAt: previous.get(id)?.foundAt ?? now,
        resolution: this.keptIgnore(ignored, id, journalQty, brokerQty),
      });
    }
    for (const b of open.value) {
      if (this.orders.current(b.clientOrderId)) continue;
      // An exit leg the broker opened for one of our own bracket entries is certain: journal it as
      // its event would have (lost when the app stopped between the entry's fill and the legs' events).
      if (this.orders.isBracketLeg(b)) {
        this.orders.handleBrokerEvent({ type: 'order', order: b, reason: null });
        continue;
      }
      const id = `order:${b.clientOrderId}`;
      found.push({
        id,
        kind: 'order',
        symbol: b.symbol,
        description: `open order ${b.clientOrderId} (${b.side} ${b.qty} ${b.symbol} ${b.type}) exists at the broker but not in the journal`,
        journalQty: 0,
        brokerQty: b.qty,
        brokerAvgPrice: null,
        brokerOrder: { clientOrderId: b.clientOrderId, side: b.side, qty: b.qty, type: b.type, limitPrice: b.limitPrice },
        foundAt: previous.get(id)?.foundAt ?? now,
        resolution: this.keptIgnore(ignored, id, 0, b.qty),
      });
    }
    const fresh = found.filter((i) => !previous.has(i.id) && i.resolution === null);
    ctx.state.reconciliation = found;
    ctx.emit('reconcile:updated', found);
    if (fresh.length > 0) {
      ctx.audit('recovery', `Reconciliation (${why}) found ${fresh.length} new difference(s): ${fresh.map((i) => i.description).join('; ')}`, { items: fresh });
      ctx.alert('warning', 'reconciliation', `Reconciliation found ${fresh.length} difference(s) with the broker (${fresh.map((i) => i.description).slice(0, 3).join('; ')}). Resolve them on the Reconciliation screen: autonomous mode stays locked until then.`);
    } else if (why === 'startup' && found.length === 0) {
      ctx.audit('recovery', 'Reconciliation clean: journal matches the broker');
    }
    return found;
  }

  private keptIgnore(ignored: IgnoredMap, id: string, journalQty: number, brokerQty: number): ReconciliationItem['resolution'] {
    const i = ignored[id];
    return i && Math.abs(i.journalQty - journalQty) <= EPS && Math.abs(i.brokerQty - brokerQty) <= EPS
      ? { action: 'ignore', at: i.at, detail: 'ignored earlier; the difference is unchanged' }
      : null;
  }

  async resolve(id: string, action: ReconciliationAction): Promise<{ ok: true; item: ReconciliationItem } | { ok: false; code: 'not_found' | 'conflict' | 'broker_error'; message: string }> {
    const { ctx } = this;
    const item = ctx.state.reconciliation.find((i) => i.id === id);
    if (!item) return { ok: false, code: 'not_found', message: `no reconciliation difference with id ${id} (it may have been resolved or disappeared)` };
    if (item.resolution) return { ok: false, code: 'conflict', message: `${id} was already resolved (${item.resolution.action})` };
    const now = ctx.clock.now();
    let detail = '';
    if (action === 'ignore') {
      const ignored = ctx.store.getMeta<IgnoredMap>(IGNORED_KEY) ?? {};
      ignored[id] = { journalQty: item.journalQty, brokerQty: item.brokerQty, at: now };
      ctx.store.setMeta(IGNORED_KEY, ignored);
      detail = 'left as it is, knowingly';
    } else if (item.kind === 'position') {
      const price = item.brokerAvgPrice ?? ctx.market.lastPrice(item.symbol);
      if (price === null || !(price > 0)) return { ok: false, code: 'conflict', message: `no price for ${item.symbol} to adopt the position at` };
      this.orders.adoptPosition(item.symbol, item.brokerQty - item.journalQty, price, `reconciliation: ${item.description}`);
      const account = await ctx.broker.getAccount();
      if (account.ok) {
        ctx.state.account = { ...ctx.state.account, cash: account.value.cash, buyingPower: account.value.buyingPower, updatedAt: now };
        ctx.store.saveAccount(ctx.state.account);
      }
      detail = `journal set to the broker's ${item.brokerQty} ${item.symbol} at ${price}`;
      if (action === 'close' && Math.abs(item.brokerQty) > EPS) {
        const r = await this.orders.submit({
          intentKey: `reconcile-close:${item.symbol}:${now}`,
          symbol: item.symbol,
          side: item.brokerQty > 0 ? 'sell' : 'buy',
          type: 'market',
          qty: Math.abs(item.brokerQty),
          limitPrice: null,
          origin: 'manual',
          strategyId: null,
          reason: `reconciliation: close ${item.symbol} found at the broker`,
          refPrice: price,
          barTime: null,
        });
        if (!r.ok) return { ok: false, code: 'broker_error', message: `adopted, but the closing order failed: ${r.error.message}` };
        detail += `; closing order ${r.order.clientOrderId} sent`;
      }
    } else {
      const b = item.brokerOrder;
      if (!b) return { ok: false, code: 'conflict', message: `${id} carries no broker order` };
      if (action === 'adopt') {
        const found = await ctx.broker.getOrderByClientId(b.clientOrderId);
        if (!found.ok || !found.value) return { ok: false, code: 'broker_error', message: `could not fetch order ${b.clientOrderId} from the broker` };
        this.orders.adoptOrder(found.value);
        detail = `order ${b.clientOrderId} adopted into the journal`;
      } else {
        const r = await ctx.broker.cancelOrder(b.clientOrderId);
        if (!r.ok && r.kind !== 'not_found') return { ok: false, code: 'broker_error', message: `cancel failed: ${r.message}` };
        detail = `order ${b.clientOrderId} cancelled at the broker`;
      }
    }
    const resolved: ReconciliationItem = { ...item, resolution: { action, at: now, detail } };
    ctx.state.reconciliation = ctx.state.reconciliation.map((i) => (i.id === id ? resolved : i));
    ctx.audit('recovery', `Reconciliation ${action}: ${item.description} -> ${detail}`, { item: resolved });
    ctx.emit('reconcile:updated', ctx.state.reconciliation);
    return { ok: true, item: resolved };
  }
}
