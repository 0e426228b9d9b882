// The Api inside Electron: the preload's `window.api` over IPC. The link is the process's own
// IPC channel, so it is connected for the window's whole life.
import type { Api, Channel, RequestInput, Result, ResultTypes } from '../../engine/api/contract';
import type { ApiClient, ConnectionState } from './connection';

export function createIpcClient(api: Api): ApiClient {
  const state: ConnectionState = {
    transport: 'ipc',
    status: 'connected',
    attempt: 0,
    retryAt: null,
    detail: 'connected to the engine in this application',
  };
  return {
    connection: {
      get: () => state,
      subscribe: () => () => undefined,
    },
    async request<C extends Channel>(channel: C, input: RequestInput<C>): Promise<Result<ResultTypes[C]>> {
      try {
        return await api.request(channel, input);
      } catch (e) {
        // ipcRenderer.invoke rejects when the main process throws or the payload cannot be
        // cloned: callers get the same typed failure as from the WebSocket transport
        const message = e instanceof Error ? e.message : String(e);
        return { ok: false, error: { code: 'internal', message: `${channel} failed in the application: ${message}` } };
      }
    },
    on: (event, listener) => api.on(event, listener),
    // IPC carries no frames of its own to go wrong
    onProtocolError: () => () => undefined,
    close: () => undefined,
  };
}
