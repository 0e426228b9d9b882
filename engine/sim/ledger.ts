// The built-in simulator's own books: what "the broker" knows, kept apart from our journal
// (db/simLedger.ts stores it in a separate SQLite file in the data directory). Keeping it
// separate makes the crash tests honest: after a SIGKILL the broker may know an order that
// our journal does not, exactly as with a real broker.
import type { Bar, BracketLevels, Fill, OrderStatus, OrderType, Side } from '../domain/types';

export interface SimOrderRow {
  brokerOrderId: string;
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  qty: number;
  limitPrice: number | null;
  /** trigger of a stop order (a bracket's stop-loss leg) */
  stopPrice?: number | null;
  /** an entry's exits: once it fills, they become its two legs, one cancelling the other */
  bracket?: BracketLevels | null;
  status: OrderStatus;
  filledQty: number;
  avgFillPrice: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface SimPositionRow {
  symbol: string;
  /** signed */
  qty: number;
  avgEntryPrice: number;
}

/** Where the simulated price path of one symbol stands, so a restart continues it. */
export interface SimMarketCursor {
  symbol: string;
  /** index of the last generated bar */
  index: number;
  lastBar: Bar;
}

export interface SimLedgerState {
  cash: number;
  positions: SimPositionRow[];
  /** orders still open at the simulated broker */
  openOrders: SimOrderRow[];
  cursors: SimMarketCursor[];
  nextOrderSeq: number;
  nextFillSeq: number;
}

export interface SimLedger {
  /** null on a fresh ledger */
  load(): SimLedgerState | null;
  init(cash: number): void;
  /**
   * Every submit call the simulated broker receives, accepted or refused as a duplicate.
   * Tests count these to prove that no intent was ever sent twice.
   */
  recordSubmission(clientOrderId: string, accepted: boolean, at: number): void;
  submissionsFor(clientOrderId: string): number;
  totalSubmissions(): { accepted: number; refused: number };
  /** upsert orders in one transaction */
  saveOrders(orders: SimOrderRow[]): void;
  getOrderByClientId(clientOrderId: string): SimOrderRow | null;
  /** the commission charged on an order's fills, in all */
  commissionFor(clientOrderId: string): number;
  /** one transaction: the fill, the order's new state, the position and the cash */
  applyFill(args: { fill: Fill; order: SimOrderRow; position: SimPositionRow; cash: number; nextFillSeq: number }): void;
  saveCursors(cursors: SimMarketCursor[]): void;
  close(): void;
}
