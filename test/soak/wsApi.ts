// API connections to the headless host from the soak. Its poller holds one connection that asks
// for no live bars (bars:watch []): a client that never asks gets every bar, hundreds of
// thousands a second at full speed, which would double the host's send work and load this
// process with frames it throws away.
import WebSocket from 'ws';
import type { Channel, RequestInput, Result, ResultTypes } from '../../engine/api/contract';

export interface ApiSession {
  request<C extends Channel>(channel: C, input: RequestInput<C>): Promise<Result<ResultTypes[C]>>;
}

/** `pageUrl` is the URL the host printed (with ?token=). */
export function wsUrlOf(pageUrl: string): string {
  const u = new URL(pageUrl);
  const token = u.searchParams.get('token');
  if (!token) throw new Error(`the host URL ${pageUrl} carries no ?token=: cannot reach its API`);
  return `ws://${u.host}/ws?token=${encodeURIComponent(token)}`;
}

export interface ApiConnection extends ApiSession {
  close(): void;
}

/**
 * An API connection held open. `withoutLiveBars`: it first asks for no live bars (bars:watch
 * with no symbols), so the host neither serializes nor sends it the bulk of the stream.
 */
export async function openApi(pageUrl: string, opts: { withoutLiveBars?: boolean; timeoutMs?: number } = {}): Promise<ApiConnection> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const ws = new WebSocket(wsUrlOf(pageUrl));
  const pending = new Map<number, (r: Result<unknown>) => void>();
  let nextId = 1;
  ws.on('message', (data: Buffer) => {
    // events are skipped unparsed: only results matter here
    if (data.length > 16 && data.subarray(0, 16).toString('latin1') === '{"kind":"event",') return;
    const frame = JSON.parse(data.toString('utf8')) as { kind: string; id?: number; result?: Result<unknown>; error?: unknown };
    if (frame.kind === 'result' && typeof frame.id === 'number') pending.get(frame.id)?.(frame.result as Result<unknown>);
    else if (frame.kind === 'error') throw new Error(`host refused a frame: ${JSON.stringify(frame.error)}`);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no WebSocket connection to ${pageUrl} within ${timeoutMs} ms`)), timeoutMs);
    ws.once('open', () => (clearTimeout(timer), resolve()));
    ws.once('error', (e) => (clearTimeout(timer), reject(e)));
  });
  const api: ApiConnection = {
    request: (channel, input) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${channel}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, (r) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(r as never);
        });
        ws.send(JSON.stringify({ kind: 'request', id, channel, payload: input }));
      }),
    close: () => ws.terminate(),
  };
  if (opts.withoutLiveBars) {
    const r = await api.request('bars:watch', { symbols: [] });
    if (!r.ok) {
      api.close();
      throw new Error(`the host refused bars:watch []: ${r.error.message}`);
    }
  }
  return api;
}

/** A short-lived connection for a few requests (set-up): opened, used, closed. */
export async function withApi<T>(pageUrl: string, fn: (api: ApiSession) => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const api = await openApi(pageUrl, { timeoutMs });
  try {
    return await fn(api);
  } finally {
    api.close();
  }
}
