// The Electron preload exposes exactly the typed API as `window.api`; in a plain browser
// (headless host) it is absent and the renderer speaks the WebSocket wire format instead.
import type { Api } from '../engine/api/contract';

declare global {
  interface Window {
    api?: Api;
  }
}

export {};
