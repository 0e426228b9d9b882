// An in-memory ApiClient for bridge tests: requests are answered by handlers the test sets
// (or held until the test releases them), events are emitted by the test, and the connection
// state is driven by the test.
import type { Channel, EventName, EventTypes, RequestInput, Result, ResultTypes } from '../../../engine/api/contract';
import type { ApiError } from '../../../engine/api/contract';
import type { ApiClient, ConnectionState } from '../../../renderer/transport/connection';

type Responder<C extends Channel> = (input: RequestInput<C>) => Result<ResultTypes[C]> | Promise<Result<ResultTypes[C]>>;

export class FakeApiClient implements ApiClient {
  private state: ConnectionState = { transport: 'websocket', status: 'connecting', attempt: 0, retryAt: null, detail: 'test' };
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  private readonly protocolListeners = new Set<(e: ApiError) => void>();
  private readonly responders = new Map<string, (input: unknown) => Result<unknown> | Promise<Result<unknown>>>();
  readonly calls: { channel: Channel; input: unknown }[] = [];

  readonly connection = {
    get: (): ConnectionState => this.state,
    subscribe: (l: (s: ConnectionState) => void): (() => void) => {
      this.stateListeners.add(l);
      return () => this.stateListeners.delete(l);
    },
  };

  respond<C extends Channel>(channel: C, responder: Responder<C>): void {
    this.responders.set(channel, responder as (input: unknown) => Result<unknown>);
  }

  setStatus(status: ConnectionState['status']): void {
    this.state = { ...this.state, status };
    for (const l of [...this.stateListeners]) l(this.state);
  }

  emit<E extends EventName>(name: E, payload: EventTypes[E]): void {
    for (const l of [...(this.listeners.get(name) ?? [])]) l(payload);
  }

  emitProtocolError(error: ApiError): void {
    for (const l of [...this.protocolListeners]) l(error);
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  async request<C extends Channel>(channel: C, input: RequestInput<C>): Promise<Result<ResultTypes[C]>> {
    this.calls.push({ channel, input });
    const responder = this.responders.get(channel);
    if (!responder) return { ok: false, error: { code: 'unknown_channel', message: `no fake responder for ${channel}` } };
    return (await responder(input)) as Result<ResultTypes[C]>;
  }

  on<E extends EventName>(event: E, listener: (payload: EventTypes[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const l = listener as (p: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  onProtocolError(listener: (e: ApiError) => void): () => void {
    this.protocolListeners.add(listener);
    return () => this.protocolListeners.delete(listener);
  }

  close(): void {}
}

/** A promise the test resolves when it wants: for holding a request in flight. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
