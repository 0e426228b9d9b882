// Runs sandboxed before the page: exposes exactly the typed API (`request`, `on`) as
// `window.api`, nothing else. The main process validates every request; this file only
// carries it. Bundled into dist/preload.cjs, whose only require is 'electron'.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Api, Channel, EventName, EventTypes, RequestInput, Result, ResultTypes } from '../engine/api/contract';
import { API_EVENT_CHANNEL, API_REQUEST_CHANNEL } from './ipc-channels';

type Listener = (payload: unknown) => void;

/** One IPC listener for all events, fanned out by name: no listener-count warnings, cheap unsubscribe. */
const listeners = new Map<string, Set<Listener>>();
let attached = false;

function onEngineEvent(_event: IpcRendererEvent, message: unknown): void {
  if (typeof message !== 'object' || message === null) return;
  const { name, payload } = message as { name?: unknown; payload?: unknown };
  if (typeof name !== 'string') return;
  const set = listeners.get(name);
  if (!set) return;
  for (const listener of [...set]) {
    try {
      listener(payload);
    } catch (e) {
      // one failing subscriber must not starve the others of the event
      console.error(`window.api listener for ${name} threw`, e);
    }
  }
}

export const api = {
  request<C extends Channel>(channel: C, input: RequestInput<C>): Promise<Result<ResultTypes[C]>> {
    // the main process answers with the contract's result type for this channel
    return ipcRenderer.invoke(API_REQUEST_CHANNEL, channel, input) as Promise<Result<ResultTypes[C]>>;
  },
  on<E extends EventName>(event: E, listener: (payload: EventTypes[E]) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('window.api.on needs a listener function');
    if (!attached) {
      ipcRenderer.on(API_EVENT_CHANNEL, onEngineEvent);
      attached = true;
    }
    let set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
    }
    // payloads named E carry EventTypes[E] by the contract the main process implements
    const untyped = listener as Listener;
    set.add(untyped);
    return () => {
      set.delete(untyped);
    };
  },
} satisfies Api;

contextBridge.exposeInMainWorld('api', api);
