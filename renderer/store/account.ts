// Account slice: balances and the broker the engine trades through (its environment is the
// SIMULATED / PAPER / LIVE badge).
import { create } from 'zustand';
import type { AccountState, BrokerStatus } from '../../engine/domain/types';

export interface AccountSlice {
  account: AccountState | null;
  broker: BrokerStatus | null;
}

export const useAccountStore = create<AccountSlice>(() => ({ account: null, broker: null }));

/** Day P&L as the header shows it: equity now against equity at the start of the trading day. */
export function dayPnl(account: AccountState): number {
  return account.equity - account.dayStartEquity;
}
