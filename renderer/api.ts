// The one API client of the renderer: `window.api` (Electron preload, IPC) when present,
// otherwise the headless host's WebSocket with the token from the page URL.
import type { ApiClient } from './transport/connection';
import { createIpcClient } from './transport/ipcClient';
import { createWebSocketClient, webSocketUrlFor } from './transport/wsClient';

export type { ApiClient, ConnectionState, ConnectionStatus } from './transport/connection';

function createApiClient(): ApiClient {
  if (window.api) return createIpcClient(window.api);
  const target = webSocketUrlFor(window.location);
  return createWebSocketClient({
    url: target.ok ? target.url : null,
    missingUrlReason: target.ok ? undefined : target.reason,
    createSocket: (url) => new WebSocket(url),
  });
}

export const api: ApiClient = createApiClient();
