// Startup recovery: after the journal is restored, ask the broker about every order we believe
// is open and apply what is certain (fills that happened while we were down, orders that never
// reached the broker). What remains uncertain is left to the Reconciler, for the user to decide.
// Nothing is resent.
import type { EngineContext } from './context';
import { isOpenStatus, type OrderRecord } from './domain/types';
import type { OrderManager } from './orders/OrderManager';

const EPS = 1e-9;

/**
 * @param only which journal open orders to ask about (default all); reconciliation passes the ones
 *   the broker's open-order list contradicts
 * @param after what the app went through, for the records ("a restart", "a lost answer")
 */
export async function recoverOpenOrders(ctx: EngineContext, orders: OrderManager, only: (o: OrderRecord) => boolean = () => true, after = 'a restart'): Promise<string[]> {
  const issues: string[] = [];
  const now = () => ctx.clock.now();
  for (const journaled of [...ctx.state.openOrders.values()].filter(only)) {
    const res = await ctx.broker.getOrderByClientId(journaled.clientOrderId);
    if (!res.ok) {
      issues.push(`could not look up order ${journaled.clientOrderId} (${res.message})`);
      continue;
    }
    // Re-read after the await: a fill event may have been applied meanwhile, and counting it
    // again from the stale copy would double the position.
    const order = orders.current(journaled.clientOrderId);
    if (!order || !isOpenStatus(order.status)) continue;
    const b = res.value;
    if (!b) {
      if (order.status === 'pending_submit') {
        orders.patch(order.clientOrderId, { status: 'unsent', statusReason: `journaled but never reached the broker before ${after}; not resent`, updatedAt: now() });
        ctx.audit('recovery', `Order ${order.clientOrderId} (${order.side} ${order.qty} ${order.symbol}) never reached the broker; marked unsent, not resent`, { clientOrderId: order.clientOrderId });
      } else {
        orders.patch(order.clientOrderId, { status: 'canceled', statusReason: 'the broker has no record of this order', updatedAt: now() });
        issues.push(`order ${order.clientOrderId} was ${order.status} in the journal but unknown to the broker`);
      }
      continue;
    }
    // Executions we missed while down: apply the difference once, under an id derived from the
    // broker's cumulative filled quantity, so running this again can never double-count.
    const missed = b.filledQty - order.filledQty;
    if (missed > EPS && b.avgFillPrice !== null) {
      const prevValue = (order.avgFillPrice ?? 0) * order.filledQty;
      const price = (b.avgFillPrice * b.filledQty - prevValue) / missed;
      // the broker's commission on the missed executions: all it charged, less what the journal holds
      // (without it the journal's cash drifts from the broker's by that much, for good)
      const journaledCommission = order.filledQty > EPS ? ctx.store.fillsForSymbol(order.symbol, 10_000).filter((f) => f.clientOrderId === order.clientOrderId).reduce((s, f) => s + f.commission, 0) : 0;
      const commission = b.commission !== undefined ? Math.max(0, Math.round((b.commission - journaledCommission) * 1e6) / 1e6) : 0;
      orders.applyFill(
        {
          fillId: `${b.brokerOrderId}:reconciled:${b.filledQty}`,
          clientOrderId: order.clientOrderId,
          symbol: order.symbol,
          side: order.side,
          qty: missed,
          price: price > 0 && Number.isFinite(price) ? price : b.avgFillPrice,
          commission,
          time: now(),
        },
        b,
      );
      ctx.audit('recovery', `Applied ${missed} ${order.symbol} filled at the broker while the app was not listening (${after}; order ${order.clientOrderId})`, { clientOrderId: order.clientOrderId });
    }
    if (b.status !== 'filled' && b.status !== 'partially_filled') {
      orders.patch(order.clientOrderId, { status: b.status, brokerOrderId: b.brokerOrderId, updatedAt: now() });
    } else if (b.status === 'filled' && ctx.state.openOrders.has(order.clientOrderId)) {
      orders.patch(order.clientOrderId, { status: 'filled', brokerOrderId: b.brokerOrderId, updatedAt: now() });
    }
  }

  return issues;
}
