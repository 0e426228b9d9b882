import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from '../../../electron/app-protocol';
import { contentSecurityPolicy } from '../../../electron/csp';
import { contentTypeFor, resolveStaticPath } from '../../../electron/static-files';

let dir: string;
const csp = contentSecurityPolicy();
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ts-app-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>ok</title>');
  writeFileSync(join(dir, 'main.js'), 'export {}');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('is registered as a standard, secure scheme', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ scheme: 'app', privileges: { standard: true, secure: true } });
  });

  it('serves the renderer with the CSP header and the right content type', async () => {
    const handle = createAppProtocolHandler({ rendererDir: dir, csp });
    const res = await handle(new Request('app://renderer/index.html'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(csp);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('<title>ok</title>');
    const js = await handle(new Request('app://renderer/main.js'));
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });

  it('serves nothing outside the renderer dir, from another host, or for other methods', async () => {
    const read = vi.fn(async () => new Uint8Array([1]));
    const handle = createAppProtocolHandler({ rendererDir: dir, csp, readFileImpl: read });
    expect((await handle(new Request('app://renderer/%2e%2e%2f%2e%2e%2fetc%2fpasswd'))).status).toBe(404);
    expect((await handle(new Request('app://renderer/..%5c..%5cwindows'))).status).toBe(404);
    expect((await handle(new Request('app://elsewhere/index.html'))).status).toBe(404);
    expect((await handle(new Request('app://renderer/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
    expect(read).not.toHaveBeenCalled();
  });

  it('says how to fix a missing renderer build', async () => {
    const handle = createAppProtocolHandler({ rendererDir: join(dir, 'nope'), csp });
    const res = await handle(new Request('app://renderer/'));
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/npm run build/);
  });
});

describe('resolveStaticPath', () => {
  it('maps / to index.html and keeps every path inside the root', () => {
    expect(resolveStaticPath('/r', '/')).toBe('/r/index.html');
    expect(resolveStaticPath('/r', '/assets/a.js')).toBe('/r/assets/a.js');
    expect(resolveStaticPath('/r', '/../x')).toBeNull();
    expect(resolveStaticPath('/r', '/a/../../x')).toBeNull();
    expect(resolveStaticPath('/r', '/%E0%A4%A')).toBeNull();
    expect(resolveStaticPath('/r', '/a%00.js')).toBeNull();
    expect(resolveStaticPath('/r', '/a\\..\\..\\x')).toBeNull();
    expect(contentTypeFor('x.woff2')).toBe('font/woff2');
    expect(contentTypeFor('x.unknown')).toBe('application/octet-stream');
  });
});
