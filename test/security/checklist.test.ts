// The security checklist (issue "Hardening", DESIGN.md "Security"), one test per item, so that
// the whole list reads in one file; SECURITY.md maps each item here.
//
// Items 1-10 boot the real Electron main (electron/main.ts) with `electron` mocked, as
// test/unit/electron/main.test.ts does, and test what main wired: the window's options, the
// handlers it put on every WebContents, the session and the app:// protocol, and its one IPC
// handler. The runtime behind it is a stand-in there; the secrets item runs the real one, on the
// Alpaca emulator, behind a real headless server. The headless items run the real server on
// 127.0.0.1 with a recording engine, so "refused" also means "the engine heard nothing".
import { readdirSync, readFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import type { EngineEvent, Result, ServerFrame } from '../../engine/api/contract';
import { parseHeadlessArgs } from '../../electron/args';
import { contentSecurityPolicy } from '../../electron/csp';
import { startHeadlessServer, type HeadlessServer } from '../../electron/headless-server';
import type * as RuntimeModule from '../../electron/runtime';
import { EXTERNAL_URL_ALLOWLIST, RENDERER_ENTRY_URL } from '../../electron/window-security';
import { FakeWebContents } from '../unit/electron/fakes';
import { emulatorEnv, emulatorNow, removeTempDirs, tempDir, TUNING, waitFor } from '../integration/alpaca-runtime/harness';
import { connectWs, httpGet } from '../fuzz/wire';

type Handler = (...args: unknown[]) => unknown;

const m = await vi.hoisted(async () => {
  const { makeFakeElectron } = await import('../unit/electron/fakeElectron');
  const fake = makeFakeElectron();
  const runtime = {
    dataDir: '',
    dispatch: vi.fn(async (): Promise<{ ok: true; value: unknown }> => ({ ok: true, value: {} })),
    subscribe: vi.fn(() => () => undefined),
    shutdown: vi.fn(async () => undefined),
  };
  return { ...fake, runtime };
});

vi.mock('electron', () => m.electron);
// main.ts gets the stand-in runtime; the secrets item imports the real one with vi.importActual
vi.mock('../../electron/runtime', async (importOriginal) => ({
  ...(await importOriginal<typeof RuntimeModule>()),
  startRuntime: vi.fn(async () => m.runtime),
}));

const ROOT = resolve(import.meta.dirname, '../..');
const RENDERER_DIST = join(ROOT, 'dist', 'renderer');

// ---------- Electron main, booted once ----------

const mainTmp = mkdtempSync(join(tmpdir(), 'security-main-'));
const signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
const realArgv = process.argv;

interface Wired {
  webPreferences: Record<string, unknown>;
  loadedUrls: unknown[];
  webContentsCreated: Handler;
  ipcHandler: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;
  permissionRequest: (wc: unknown, permission: string, cb: (granted: boolean) => void, details?: unknown) => void;
  permissionCheck: (...args: unknown[]) => boolean;
  devicePermission: (...args: unknown[]) => boolean;
  onHeadersReceived: (details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void;
  appProtocol: (request: Request) => Promise<Response>;
}
let wired: Wired;

function firstArg<T>(fn: { mock: { calls: unknown[][] } }, what: string, index = 0): T {
  const call = fn.mock.calls[0];
  if (call === undefined) throw new Error(`main.ts never called ${what}`);
  return call[index] as T;
}

beforeAll(async () => {
  m.state.userData = join(mainTmp, 'userData');
  process.argv = ['/usr/bin/electron', '/app', '--data-dir', join(mainTmp, 'data')];
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  await import('../../electron/main');
  await vi.waitFor(() => expect(m.windows[0]?.loadURL).toHaveBeenCalled());
  const ses = m.electron.session.defaultSession;
  const protocolCall = m.electron.protocol.handle.mock.calls[0] as unknown as [string, Wired['appProtocol']] | undefined;
  if (protocolCall === undefined || protocolCall[0] !== 'app') throw new Error('main.ts registered no app:// protocol handler');
  const ipcCall = m.electron.ipcMain.handle.mock.calls[0] as unknown as [string, Wired['ipcHandler']] | undefined;
  if (ipcCall === undefined) throw new Error('main.ts registered no IPC handler');
  const created = m.appHandlers.get('web-contents-created')?.[0];
  if (created === undefined) throw new Error("main.ts has no app.on('web-contents-created') handler");
  wired = {
    webPreferences: m.windows[0]?.options.webPreferences as Record<string, unknown>,
    loadedUrls: m.windows.flatMap((w) => w.loadURL.mock.calls.map((c: unknown[]) => c[0])),
    webContentsCreated: created,
    ipcHandler: ipcCall[1],
    permissionRequest: firstArg(ses.setPermissionRequestHandler, 'setPermissionRequestHandler'),
    permissionCheck: firstArg(ses.setPermissionCheckHandler, 'setPermissionCheckHandler'),
    devicePermission: firstArg(ses.setDevicePermissionHandler, 'setDevicePermissionHandler'),
    onHeadersReceived: firstArg(ses.webRequest.onHeadersReceived, 'webRequest.onHeadersReceived'),
    appProtocol: protocolCall[1],
  };
});

afterAll(() => {
  process.argv = realArgv;
  vi.restoreAllMocks();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(signal)) if (!signalListeners[signal].includes(l)) process.off(signal, l);
  }
  rmSync(mainTmp, { recursive: true, force: true });
});

/** A WebContents as Electron would create it, hardened by main's web-contents-created handler. */
function newContents(): FakeWebContents {
  const contents = new FakeWebContents();
  wired.webContentsCreated({}, contents.asWebContents());
  return contents;
}

/** The sources a CSP directive allows, by directive name. */
function cspDirectives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0] !== undefined && parts[0] !== '')
      .map(([name, ...sources]) => [name as string, sources]),
  );
}

/** Sources that name no other origin: the page's own, none, or inline data. */
const LOCAL_SOURCES = new Set(["'self'", "'none'", "'unsafe-inline'", 'data:', 'blob:']);

const REMOTE_URLS = ['https://evil.example/phish', 'http://evil.example/', 'file:///etc/passwd', 'app://renderer.evil/index.html', 'javascript:alert(1)', RENDERER_ENTRY_URL];

describe('Electron security checklist', () => {
  it('1. context isolation', () => {
    expect(wired.webPreferences.contextIsolation).toBe(true);
    // the preload is the one isolated bridge: our bundle, nothing from the page
    expect(String(wired.webPreferences.preload)).toMatch(/dist[\\/]preload\.cjs$/);
  });

  it('2. sandbox', () => {
    expect(wired.webPreferences.sandbox).toBe(true);
  });

  it('3. no node integration', () => {
    expect(wired.webPreferences).toMatchObject({
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
  });

  it('4. Content-Security-Policy', async () => {
    const expected = contentSecurityPolicy();
    const d = cspDirectives(expected);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(expected).not.toMatch(/unsafe-eval/);
    // every app:// response carries it, found or not
    for (const url of [RENDERER_ENTRY_URL, 'app://renderer/no-such-file.js']) {
      const res = await wired.appProtocol(new Request(url));
      expect(res.headers.get('content-security-policy'), url).toBe(expected);
    }
    // and any http(s) response the session receives has its own CSP replaced by ours
    let headers: Record<string, string[]> = {};
    wired.onHeadersReceived({ responseHeaders: { 'content-security-policy': ["default-src *; script-src * 'unsafe-eval'"], 'X-Other': ['1'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']).toEqual([expected]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['X-Other']).toEqual(['1']);
  });

  it('5. no remote content', async () => {
    // the window loads our renderer from app://, and only that
    expect(wired.loadedUrls).toEqual([RENDERER_ENTRY_URL]);
    expect((await wired.appProtocol(new Request('app://evil/index.html'))).status).toBe(404);
    // the CSP names no other origin in any directive
    for (const [name, sources] of cspDirectives(contentSecurityPolicy())) {
      expect(sources.filter((s) => !LOCAL_SOURCES.has(s)), name).toEqual([]);
    }
    // and the built page pulls nothing from the network
    if (!existsSync(join(RENDERER_DIST, 'index.html'))) {
      console.log(`5. no remote content: the built-file check is skipped: ${RENDERER_DIST}/index.html is missing (run \`npm run build\`)`);
      return;
    }
    const files = readdirSync(RENDERER_DIST, { recursive: true }).map((f) => join(RENDERER_DIST, String(f))).filter((f) => statSync(f).isFile());
    const remote: string[] = [];
    for (const f of files) {
      const text = f.endsWith('.html') || f.endsWith('.css') || f.endsWith('.js') ? readFileSync(f, 'utf8') : '';
      if (f.endsWith('.html')) {
        for (const mt of text.matchAll(/<(script|link|img|iframe|source|video|audio|embed|object)\b[^>]*\b(?:src|href|srcset|data)\s*=\s*["']?\s*((?:https?:)?\/\/[^"'\s>]+)/gi)) remote.push(`${f}: <${mt[1]}> ${mt[2]}`);
        for (const mt of text.matchAll(/<meta[^>]+http-equiv\s*=\s*["']?refresh[^>]*>/gi)) remote.push(`${f}: ${mt[0]}`);
        // the page's own meta CSP allows nothing remote either (a WebSocket back to loopback at most)
        for (const mt of text.matchAll(/http-equiv\s*=\s*["']Content-Security-Policy["'][^>]*content\s*=\s*"([^"]*)"/gi)) {
          for (const [name, sources] of cspDirectives(mt[1] ?? '')) {
            for (const src of sources) if (!LOCAL_SOURCES.has(src) && !/^ws:\/\/(127\.0\.0\.1|localhost):\*$/.test(src)) remote.push(`${f}: meta CSP ${name} ${src}`);
          }
        }
      }
      if (f.endsWith('.css')) for (const mt of text.matchAll(/(?:url\(\s*["']?|@import\s+["']?)((?:https?:)?\/\/[^"')\s]+)/gi)) remote.push(`${f}: ${mt[1]}`);
      if (f.endsWith('.js')) for (const mt of text.matchAll(/\bimport\(\s*["'`]((?:https?:)?\/\/[^"'`]+)/g)) remote.push(`${f}: import(${mt[1]})`);
    }
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    expect(remote).toEqual([]);
  });

  it('6. navigation blocked', () => {
    const contents = newContents();
    for (const url of REMOTE_URLS) expect(contents.fire('will-navigate', { url }), url).toBe(true);
    expect(contents.fire('will-redirect', { url: 'https://evil.example/' })).toBe(true);
    expect(contents.fire('will-attach-webview', {}, { src: 'https://evil.example/' }, { src: 'https://evil.example/' })).toBe(true);
  });

  it('7. new windows blocked', () => {
    const contents = newContents();
    const handler = contents.windowOpenHandler;
    if (handler === null) throw new Error('no window open handler on the WebContents');
    for (const url of [...REMOTE_URLS, `https://${EXTERNAL_URL_ALLOWLIST[0] ?? 'alpaca.markets'}/`]) expect(handler({ url }), url).toEqual({ action: 'deny' });
  });

  it('8. permission requests denied', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'fullscreen', 'openExternal', 'hid', 'serial', 'usb', 'midiSysex', 'pointerLock', 'unknown']) {
      const granted: boolean[] = [];
      wired.permissionRequest({}, permission, (g) => granted.push(g), {});
      expect(granted, permission).toEqual([false]);
      expect(wired.permissionCheck({}, permission, 'app://renderer', {}), permission).toBe(false);
    }
    expect(wired.devicePermission({ deviceType: 'usb', origin: 'app://renderer' })).toBe(false);
  });

  it('9. IPC sender checked', async () => {
    const mainFrame = { processId: 3, routingId: 1, parent: null, url: RENDERER_ENTRY_URL };
    const event = (senderId: number, frame: { url: string; top: boolean }): IpcMainInvokeEvent =>
      ({
        sender: { id: senderId, mainFrame },
        senderFrame: { processId: 3, routingId: frame.top ? 1 : 9, parent: frame.top ? null : mainFrame, url: frame.url },
      }) as unknown as IpcMainInvokeEvent;
    m.runtime.dispatch.mockClear();
    const foreign = [
      event(12, { url: RENDERER_ENTRY_URL, top: true }), // another window
      event(11, { url: RENDERER_ENTRY_URL, top: false }), // an iframe in ours
      event(11, { url: 'https://evil.example/', top: true }), // our window, navigated away
      event(11, { url: 'file:///tmp/x.html', top: true }),
    ];
    for (const e of foreign) {
      const r = (await wired.ipcHandler(e, 'killswitch:engage', { source: 'ui' })) as Result<unknown>;
      expect(r).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    }
    expect(m.runtime.dispatch).not.toHaveBeenCalled();
    // the window main created (webContents id 11), top frame, our page: served
    expect(await wired.ipcHandler(event(11, { url: RENDERER_ENTRY_URL, top: true }), 'app:snapshot', {})).toMatchObject({ ok: true });
    expect(m.runtime.dispatch).toHaveBeenCalledWith('app:snapshot', {});
  });

  it('10. shell.openExternal only for allow-listed https URLs', () => {
    const open = m.electron.shell.openExternal;
    const refused = [
      'http://docs.alpaca.markets/',
      'https://evil.example/',
      'https://docs.alpaca.markets.evil.example/',
      'https://docs.alpaca.markets:8443/',
      'https://user:pw@docs.alpaca.markets/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'smb://docs.alpaca.markets/share',
      'app://renderer/index.html',
    ];
    const contents = newContents();
    open.mockClear();
    for (const url of refused) {
      contents.fire('will-navigate', { url });
      contents.windowOpenHandler?.({ url });
    }
    expect(open).not.toHaveBeenCalled();
    const allowed = EXTERNAL_URL_ALLOWLIST.map((host) => `https://${host}/docs`);
    for (const url of allowed) contents.fire('will-navigate', { url });
    contents.windowOpenHandler?.({ url: 'https://docs.alpaca.markets/api' });
    expect(open.mock.calls.map((c: unknown[]) => c[0])).toEqual([...allowed, 'https://docs.alpaca.markets/api']);
  });
});

// ---------- secrets ----------

const KEY_ID = 'PKCHECKLIST8Q2W7ZX4';
const SECRET = 'ChecklistSecret-5d1c9e7a3b8f4a20';

/** Every occurrence of the key ID or the secret, in text or in bytes (UTF-8 and UTF-16). */
function leaks(haystack: string | Buffer, where: string): string[] {
  const buf = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
  const found: string[] = [];
  for (const [name, needle] of [['key ID', KEY_ID], ['secret', SECRET]] as const) {
    for (const enc of ['utf8', 'utf16le'] as const) if (buf.includes(Buffer.from(needle, enc))) found.push(`${name} (${enc}) in ${where}`);
  }
  return found;
}

describe('secrets', () => {
  afterEach(() => removeTempDirs());

  it('secrets never in renderer/logs/db', async () => {
    const { startRuntime } = await vi.importActual<typeof RuntimeModule>('../../electron/runtime');
    const emu = await emulatorNow({ keys: { keyId: KEY_ID, secret: SECRET } });
    const dataDir = tempDir('security-secrets-');
    const logs: string[] = [];
    const log = (level: string, message: string, data?: unknown): void => {
      logs.push(`${level} ${message} ${data === undefined ? '' : data instanceof Error ? `${data.message} ${data.stack ?? ''}` : JSON.stringify(data)}`);
    };
    const TOKEN = 'secrets-checklist-token-4b8d2f6a';
    let rt: RuntimeModule.AlpacaRuntime | null = null;
    let server: HeadlessServer | null = null;
    const received: string[] = [];
    try {
      // the keys come from the environment, as a headless user would give them
      rt = await startRuntime({ dataDir, broker: 'alpaca', env: emulatorEnv(emu), alpaca: TUNING, housekeepingMs: 50, log });
      const runtime = rt;
      const rendererDir = existsSync(RENDERER_DIST) ? RENDERER_DIST : dataDir;
      server = await startHeadlessServer({ engine: runtime, host: '127.0.0.1', port: 0, token: TOKEN, rendererDir, log });
      // what the browser loads: the page and its headers
      const page = await httpGet(server.port, '/');
      received.push(JSON.stringify(page.headers), page.body);

      const opened = await connectWs(server.port, `?token=${TOKEN}`);
      if (!('ws' in opened)) throw new Error(`could not open the API WebSocket: ${JSON.stringify(opened)}`);
      const ws = opened.ws;
      const results = new Map<number, Result<unknown>>();
      ws.on('message', (data) => {
        const text = String(data);
        received.push(text); // every frame the renderer gets: events and answers
        const frame = JSON.parse(text) as ServerFrame;
        if (frame.kind === 'result') results.set(frame.id, frame.result);
      });
      let nextId = 1;
      const call = async (channel: string, payload: unknown): Promise<Result<unknown>> => {
        const id = nextId++;
        ws.send(JSON.stringify({ kind: 'request', id, channel, payload }));
        await waitFor(() => results.has(id), `the answer to ${channel}`, 15_000);
        return results.get(id) as Result<unknown>;
      };

      expect((await call('app:snapshot', {})).ok).toBe(true);
      const settings = await call('broker:get_settings', {});
      expect(settings.ok).toBe(true);
      // the key is in play (masked), so a leak would have had every chance to show
      expect(JSON.stringify(settings)).toMatch(/"maskedKeyId":"PK[^"]+"/);
      expect((await call('broker:test_connection', { environment: 'paper' })).ok).toBe(true);
      // a mistyped secret: the refusal names neither key
      await call('broker:test_connection', { environment: 'paper', keyId: KEY_ID, secret: `${SECRET}x` });
      expect((await call('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' })).ok).toBe(true);
      await waitFor(() => runtime.engine.state.positions.get('AAPL')?.qty === 1, 'the AAPL fill', 15_000);
      await call('killswitch:engage', { flatten: true, source: 'ui' });
      emu.advance(2);
      await new Promise((r) => setTimeout(r, 300));
      for (const [channel, payload] of [['app:snapshot', {}], ['audit:list', { limit: 1000 }], ['orders:list', { scope: 'all', limit: 1000 }], ['alerts:list', {}], ['reconcile:list', {}], ['settings:get', {}], ['readiness:get', {}]] as const) {
        expect((await call(channel, payload)).ok, channel).toBe(true);
      }
      ws.close();
    } finally {
      await server?.close();
      await rt?.shutdown();
      await emu.close();
    }

    // the search can find what it looks for
    expect(leaks(`${KEY_ID} ${SECRET}`, 'self-check')).toHaveLength(2);
    expect(leaks(Buffer.from(`${KEY_ID}|${SECRET}`, 'utf16le'), 'self-check')).toHaveLength(2);
    expect(received.length).toBeGreaterThan(20);
    expect(logs.length).toBeGreaterThan(0);

    const found = [...leaks(received.join('\n'), 'what the renderer received'), ...leaks(logs.join('\n'), 'the log')];
    const files = readdirSync(dataDir, { recursive: true }).map((f) => join(dataDir, String(f))).filter((f) => statSync(f).isFile());
    // the database and its WAL are among the files searched
    expect(files.some((f) => f.endsWith('.sqlite') || f.endsWith('.db'))).toBe(true);
    for (const f of files) found.push(...leaks(readFileSync(f), f));
    expect(found).toEqual([]);
  }, 90_000);
});

// ---------- the headless host ----------

const TOKEN = 'checklist-token-0123456789abcdef';

class RecordingEngine {
  readonly calls: unknown[] = [];
  async dispatch(channel: unknown): Promise<Result<unknown>> {
    this.calls.push(channel);
    return { ok: true, value: { channel } };
  }
  subscribe(_listener: (e: EngineEvent) => void): () => void {
    return () => undefined;
  }
}

describe('headless host', () => {
  let rendererDir: string;
  const servers: HeadlessServer[] = [];
  beforeAll(() => {
    rendererDir = mkdtempSync(join(tmpdir(), 'security-renderer-'));
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  afterAll(() => rmSync(rendererDir, { recursive: true, force: true }));

  async function serve(extra: { allowRemote?: boolean } = {}): Promise<{ server: HeadlessServer; engine: RecordingEngine }> {
    const engine = new RecordingEngine();
    const server = await startHeadlessServer({ engine, host: '127.0.0.1', port: 0, token: TOKEN, rendererDir, log: () => undefined, ...extra });
    servers.push(server);
    return { server, engine };
  }

  /** Sends one request on an open socket and resolves with its answer. */
  async function ask(port: number, headers: Record<string, string> = {}): Promise<unknown> {
    const r = await connectWs(port, `?token=${TOKEN}`, headers);
    if (!('ws' in r)) throw new Error(`refused: ${JSON.stringify(r)}`);
    const answer = new Promise((resolve) => r.ws.once('message', (d) => resolve(JSON.parse(String(d)))));
    r.ws.send(JSON.stringify({ kind: 'request', id: 1, channel: 'app:snapshot', payload: {} }));
    const got = await answer;
    r.ws.close();
    return got;
  }

  it('headless: no token refused', async () => {
    const { server, engine } = await serve();
    for (const query of ['', '?token=', '?token=wrong', `?token=${TOKEN}x`, `?token=${TOKEN.slice(0, -1)}`, `?Token=${TOKEN}`]) {
      expect(await connectWs(server.port, query), query).toMatchObject({ status: 401 });
    }
    expect(engine.calls).toEqual([]);
    // the right token opens the API (so the refusals above were about the token)
    expect(await ask(server.port)).toMatchObject({ kind: 'result', id: 1, result: { ok: true } });
  });

  it('headless: foreign Origin refused', async () => {
    const { server, engine } = await serve();
    for (const origin of ['http://evil.example', 'https://evil.example', 'null', `http://localhost:${server.port + 1}`, `http://127.0.0.1.evil.example:${server.port}`, 'app://renderer']) {
      expect(await connectWs(server.port, `?token=${TOKEN}`, { Origin: origin }), origin).toMatchObject({ status: 403 });
    }
    expect(engine.calls).toEqual([]);
    expect(await ask(server.port, { Origin: `http://127.0.0.1:${server.port}` })).toMatchObject({ kind: 'result', result: { ok: true } });
  });

  it('headless: non-loopback address refused unless --allow-remote', async () => {
    // the command line: a non-loopback address needs --allow-remote
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'example.com']) {
      const refused = parseHeadlessArgs(['--host', host]);
      expect(refused.ok, host).toBe(false);
      if (!refused.ok) expect(refused.message).toMatch(/--allow-remote/);
      expect(parseHeadlessArgs(['--host', host, '--allow-remote']).ok, `${host} --allow-remote`).toBe(true);
    }
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) expect(parseHeadlessArgs(['--host', host]).ok, host).toBe(true);

    // the default server listens on loopback only: another address of this machine finds nothing
    const { server, engine } = await serve();
    const external = Object.values(networkInterfaces()).flat().find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
    if (external === undefined) {
      console.log('headless: non-loopback: this machine has no non-loopback IPv4 address, so the "not listening there" check is skipped');
    } else {
      await expect(httpGet(server.port, '/healthz', {}, external.address)).rejects.toThrow(/ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT|timed out/);
    }
    // and a name other than its own (DNS rebinding) is refused on HTTP and on the WebSocket
    const rebinding = { Host: `evil.example:${server.port}` };
    expect((await httpGet(server.port, '/healthz', rebinding)).status).toBe(403);
    expect(await connectWs(server.port, `?token=${TOKEN}`, rebinding)).toMatchObject({ status: 403 });
    expect(engine.calls).toEqual([]);

    // unless remote access was asked for explicitly
    const remote = await serve({ allowRemote: true });
    expect((await httpGet(remote.server.port, '/healthz', rebinding)).status).toBe(200);
    expect(await ask(remote.server.port, {})).toMatchObject({ kind: 'result', result: { ok: true } });
  });
});
