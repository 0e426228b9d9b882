// Connection slice: the state of the link to the engine, and the offset between the engine's
// clock and this window's (countdowns are computed against the engine's clock).
import { create } from 'zustand';
import type { ConnectionState } from '../transport/connection';

export interface ConnectionSlice {
  connection: ConnectionState;
  /** engine time minus local time, measured when the last snapshot arrived */
  serverClockOffsetMs: number;
  /** true once a snapshot has been applied since the link last came up */
  synced: boolean;
}

export const useConnectionStore = create<ConnectionSlice>(() => ({
  connection: { transport: 'websocket', status: 'connecting', attempt: 0, retryAt: null, detail: 'starting' },
  serverClockOffsetMs: 0,
  synced: false,
}));
