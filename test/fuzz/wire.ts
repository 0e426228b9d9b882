// A small WebSocket client for the headless host's API, shared by the fuzz and the security checklist.
import http from 'node:http';
import WebSocket from 'ws';

export type Connected = { ws: WebSocket } | { status: number; body: string } | { error: string };

/** Opens a WebSocket; resolves with the socket, the HTTP status it was refused with, or the socket error. */
export function connectWs(port: number, query: string, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<Connected> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`, { headers, maxPayload: 16 * 1024 * 1024 });
    const timer = setTimeout(() => {
      ws.terminate();
      resolve({ error: `no answer to the upgrade within ${timeoutMs} ms` });
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve({ ws });
    });
    let refused = false;
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      // the refusal is the answer: the socket error that follows it is not
      refused = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      const done = (): void => {
        resolve({ status: res.statusCode ?? 0, body });
        ws.terminate();
      };
      res.on('end', done);
      res.on('error', done);
    });
    ws.on('error', (e) => {
      if (refused) return;
      clearTimeout(timer);
      resolve({ error: e.message });
    });
  });
}

/** Resolves with the close code once the server closes the socket (or `null` after the timeout). */
export function closeCode(ws: WebSocket, timeoutMs = 5_000): Promise<number | null> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) {
      resolve(null);
      return;
    }
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(null);
    }, timeoutMs);
    ws.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export function httpGet(port: number, path: string, headers: Record<string, string> = {}, host = '127.0.0.1'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, headers, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}
