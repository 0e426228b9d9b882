import { describe, expect, it, vi } from 'vitest';
import {
  denyAllPermissions,
  enforceCspHeader,
  hardenWebContents,
  isAllowedExternalUrl,
  isRendererUrl,
  mainWindowOptions,
  RENDERER_ENTRY_URL,
} from '../../../electron/window-security';
import { contentSecurityPolicy } from '../../../electron/csp';
import { FakeWebContents, fakeSession } from './fakes';

function harden() {
  const contents = new FakeWebContents();
  const opener = { openExternal: vi.fn(() => Promise.resolve()) };
  const log = vi.fn();
  hardenWebContents(contents.asWebContents(), opener, log);
  return { contents, opener, log };
}

describe('window options', () => {
  it('are isolated, sandboxed, without Node, with web security and our preload', () => {
    const opts = mainWindowOptions({ preloadPath: '/app/dist/preload.cjs', iconPath: '/app/dist/icon.png' });
    expect(opts.webPreferences).toMatchObject({
      preload: '/app/dist/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(opts.show).toBe(false);
  });
});

describe('navigation and new windows', () => {
  it('blocks every navigation of the page, including to our own origin', () => {
    const { contents, opener } = harden();
    expect(contents.fire('will-navigate', { url: 'https://evil.example/phish' })).toBe(true);
    expect(contents.fire('will-navigate', { url: RENDERER_ENTRY_URL })).toBe(true);
    expect(contents.fire('will-navigate', { url: 'file:///etc/passwd' })).toBe(true);
    expect(opener.openExternal).not.toHaveBeenCalled();
  });

  it('sends an allow-listed https link to the browser instead of navigating', () => {
    const { contents, opener } = harden();
    expect(contents.fire('will-navigate', { url: 'https://app.alpaca.markets/paper/dashboard' })).toBe(true);
    expect(opener.openExternal).toHaveBeenCalledWith('https://app.alpaca.markets/paper/dashboard');
  });

  it('denies window.open always, opening only allow-listed https URLs externally', () => {
    const { contents, opener, log } = harden();
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'http://alpaca.markets/' })).toEqual({ action: 'deny' });
    expect(opener.openExternal).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith('warn', expect.stringMatching(/blocked/), expect.anything());
    expect(contents.windowOpenHandler?.({ url: 'https://docs.alpaca.markets/docs' })).toEqual({ action: 'deny' });
    expect(opener.openExternal).toHaveBeenCalledWith('https://docs.alpaca.markets/docs');
  });

  it('blocks redirects and <webview> attachment', () => {
    const { contents } = harden();
    expect(contents.fire('will-redirect', { url: 'https://evil.example/' })).toBe(true);
    expect(contents.fire('will-attach-webview', {}, {}, { src: 'https://evil.example/' })).toBe(true);
  });
});

describe('isAllowedExternalUrl', () => {
  it.each([
    ['https://alpaca.markets/', true],
    ['https://app.alpaca.markets/paper', true],
    ['http://app.alpaca.markets/', false],
    ['https://alpaca.markets.evil.example/', false],
    ['https://evilalpaca.markets/', false],
    ['https://user:pw@alpaca.markets/', false],
    ['https://alpaca.markets:8443/', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
  ])('%s -> %s', (url, allowed) => {
    expect(isAllowedExternalUrl(url)).toBe(allowed);
  });
});

describe('isRendererUrl', () => {
  it('accepts only app://renderer pages', () => {
    expect(isRendererUrl('app://renderer/index.html')).toBe(true);
    expect(isRendererUrl('app://renderer/index.html#/orders')).toBe(true);
    expect(isRendererUrl('app://other/index.html')).toBe(false);
    expect(isRendererUrl('https://renderer/index.html')).toBe(false);
    expect(isRendererUrl('file:///app/dist/renderer/index.html')).toBe(false);
    expect(isRendererUrl('')).toBe(false);
  });
});

describe('session lock-down', () => {
  it('denies every permission request, check and device request', () => {
    const { handlers, asSession } = fakeSession();
    denyAllPermissions(asSession());
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      const cb = vi.fn();
      handlers.request?.({}, permission, cb, {});
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect(handlers.check?.({}, 'media', 'app://renderer', {})).toBe(false);
    expect(handlers.device?.({ deviceType: 'hid' })).toBe(false);
  });

  it('puts our CSP on HTTP responses, replacing any CSP they carried', () => {
    const { handlers, asSession } = fakeSession();
    const csp = contentSecurityPolicy();
    enforceCspHeader(asSession(), csp);
    const cb = vi.fn();
    handlers.headers?.({ responseHeaders: { 'content-security-policy': ['default-src *'], 'X-Other': ['1'] } }, cb);
    expect(cb).toHaveBeenCalledWith({ responseHeaders: { 'Content-Security-Policy': [csp], 'X-Other': ['1'] } });
  });

  it('the CSP allows only our own scripts and nothing framed, inline-scripted or remote', () => {
    const csp = contentSecurityPolicy({ connectSrc: ['ws://127.0.0.1:1234'] });
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:1234");
  });
});
