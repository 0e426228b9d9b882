// Orders slice: open orders and recently finished ones, kept apart because only open ones can
// be canceled. Updates arrive one order at a time (orders:updated).
import { create } from 'zustand';
import { isOpenStatus, type OrderRecord } from '../../engine/domain/types';

export const RECENT_ORDERS_LIMIT = 100;

export interface OrdersState {
  /** newest first */
  open: OrderRecord[];
  /** finished orders, most recently updated first */
  recent: OrderRecord[];
}

export const emptyOrders: OrdersState = { open: [], recent: [] };

export const useOrdersStore = create<OrdersState>(() => emptyOrders);

/**
 * Put one order where its status says it belongs. An update older than what we hold (by
 * updatedAt) is ignored, so a replayed or reordered event cannot resurrect a finished order.
 */
export function upsertOrder(state: OrdersState, order: OrderRecord, recentLimit = RECENT_ORDERS_LIMIT): OrdersState {
  const id = order.clientOrderId;
  const held = state.open.find((o) => o.clientOrderId === id) ?? state.recent.find((o) => o.clientOrderId === id);
  if (held && held.updatedAt > order.updatedAt) return state;
  const open = state.open.filter((o) => o.clientOrderId !== id);
  const recent = state.recent.filter((o) => o.clientOrderId !== id);
  if (isOpenStatus(order.status)) {
    open.push(order);
    open.sort((a, b) => b.createdAt - a.createdAt);
    return { open, recent };
  }
  recent.push(order);
  recent.sort((a, b) => b.updatedAt - a.updatedAt);
  return { open, recent: recent.slice(0, recentLimit) };
}

/** The orders of a snapshot: its open list wins over any copy of the same order in the recent list. */
export function ordersFromSnapshot(openOrders: readonly OrderRecord[], recentOrders: readonly OrderRecord[]): OrdersState {
  let state = emptyOrders;
  for (const o of recentOrders) state = upsertOrder(state, o);
  for (const o of openOrders) state = upsertOrder(state, o);
  return state;
}
