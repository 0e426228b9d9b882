// A short-lived API connection to the headless host: connect, send requests, close. The soak
// polls through a fresh connection each time instead of holding one open, because a connected
// client receives every pushed event (hundreds of bars per turn at full speed), which would
// double the host's send work and load this process with frames it throws away.
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

export async function withApi<T>(pageUrl: string, fn: (api: ApiSession) => Promise<T>, timeoutMs = 15_000): Promise<T> {
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
  const api: ApiSession = {
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
  };
  try {
    return await fn(api);
  } finally {
    ws.terminate();
  }
}
