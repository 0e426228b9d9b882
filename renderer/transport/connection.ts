// What the renderer knows about its link to the engine, whichever transport carries it.
import type { Api, ApiError } from '../../engine/api/contract';

export type TransportKind = 'ipc' | 'websocket';

export type ConnectionStatus =
  /** first attempt in progress */
  | 'connecting'
  | 'connected'
  /** the link dropped (or never came up); another attempt is scheduled at `retryAt` */
  | 'reconnecting'
  /** nothing to connect to (e.g. no token in the page URL); no attempt will be made */
  | 'unavailable';

export interface ConnectionState {
  transport: TransportKind;
  status: ConnectionStatus;
  /** failed attempts since the last successful connection */
  attempt: number;
  /** wall-clock ms of the next attempt, while reconnecting */
  retryAt: number | null;
  /** a sentence for the user: why we are not connected, or where we are connected to */
  detail: string;
}

export interface ConnectionSource {
  get(): ConnectionState;
  /** called on every change; returns the unsubscribe function */
  subscribe(listener: (state: ConnectionState) => void): () => void;
}

/** The one client the components use: the contract's Api plus the state of the link. */
export interface ApiClient extends Api {
  readonly connection: ConnectionSource;
  /** errors the server sends outside any request (e.g. a malformed frame); shown to the user */
  onProtocolError(listener: (error: ApiError) => void): () => void;
  close(): void;
}

/** The link dropped: the message says what happened and whether the request's fate is unknown. */
export function disconnectedError(detail: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code: 'disconnected', message: `not connected to the supervisor: ${detail}` } };
}
