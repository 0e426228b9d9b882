// The strategy interface: one instance per symbol, fed completed bars in order.
// Strategies are pure: no clock, no I/O, no randomness; the same code runs in backtests and live.
import type { Bar } from '../domain/types';

/** The position a strategy wants after this bar. */
export type Direction = 'long' | 'short' | 'flat';

export interface Signal {
  direction: Direction;
  /** why, in words a user can read ("SMA(10) 101.2 crossed above SMA(20) 100.9") */
  reason: string;
  /** indicator values behind the decision, by name, for the audit record */
  indicators: Record<string, number>;
}

export interface Strategy {
  readonly id: string;
  /** bars needed before the first signal can appear */
  readonly warmup: number;
  /**
   * Feed one completed bar; returns a signal when the strategy changes its mind. The backtester
   * reuses one bar object for every call to stay allocation-free: read it, never keep it.
   */
  onBar(bar: Bar): Signal | null;
  /** latest indicator values, for charts and approvals */
  values(): Record<string, number>;
}

export interface ParamSpec {
  name: string;
  label: string;
  min: number;
  max: number;
  step: number;
  default: number;
  integer: boolean;
}
