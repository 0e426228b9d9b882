// The app:// scheme that serves dist/renderer to the Electron window. Why not file://: a
// custom standard scheme gives the page a real origin (the IPC sender check compares it),
// lets every response carry the CSP header, and cannot read arbitrary files from disk.
import { readFile } from 'node:fs/promises';
import type { CustomScheme } from 'electron';
import { securityHeaders } from './csp';
import { contentTypeFor, resolveStaticPath } from './static-files';
import { APP_HOST, APP_SCHEME } from './window-security';

/** Registered before `ready` (Electron requires it). */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: false },
};

export interface AppProtocolOptions {
  rendererDir: string;
  csp: string;
  readFileImpl?: (file: string) => Promise<Uint8Array>;
}

function textResponse(status: number, body: string, headers: Record<string, string>): Response {
  return new Response(body, { status, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' } });
}

export function createAppProtocolHandler(opts: AppProtocolOptions): (request: Request) => Promise<Response> {
  const read = opts.readFileImpl ?? ((file: string) => readFile(file));
  const headers = securityHeaders(opts.csp);
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return textResponse(400, 'bad request', headers);
    }
    if (url.host !== APP_HOST) return textResponse(404, 'not found', headers);
    if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'method not allowed', headers);
    const file = resolveStaticPath(opts.rendererDir, url.pathname);
    if (file === null) return textResponse(404, 'not found', headers);
    let body: Uint8Array;
    try {
      body = await read(file);
    } catch {
      const hint = url.pathname === '/' || url.pathname === '/index.html' ? ': the renderer is not built; run `npm run build`' : '';
      return textResponse(404, `not found${hint}`, headers);
    }
    // a copy with its own ArrayBuffer: what Response's BodyInit type accepts
    return new Response(request.method === 'HEAD' ? null : Uint8Array.from(body), {
      status: 200,
      headers: { ...headers, 'Content-Type': contentTypeFor(file), 'Cache-Control': 'no-cache' },
    });
  };
}
