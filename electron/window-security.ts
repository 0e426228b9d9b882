// DESIGN.md "Security" for every window: isolated, sandboxed, no Node in the page, a strict
// CSP, no navigation, no new windows, no permissions. The renderer is served from the
// privileged app:// scheme (see app-protocol.ts) so it has a real origin to check IPC
// senders against and the CSP arrives as a response header, not only as a meta tag.
import type { BrowserWindowConstructorOptions, Session, WebContents, WebPreferences } from 'electron';
import type { HostLog } from './hosted-engine';

export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const RENDERER_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const RENDERER_ENTRY_URL = `${RENDERER_ORIGIN}/index.html`;

/** True for any page of our own renderer (app://renderer/...), nothing else. */
export function isRendererUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export function mainWindowOptions(opts: { preloadPath: string; iconPath?: string }): BrowserWindowConstructorOptions {
  return {
    title: 'Trading Supervisor',
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    // matches the dark theme, so there is no white flash before the first paint
    backgroundColor: '#0d1117',
    show: false,
    ...(opts.iconPath !== undefined ? { icon: opts.iconPath } : {}),
    webPreferences: secureWebPreferences(opts.preloadPath),
  };
}

/** Hosts whose https pages a link in the app may open in the user's browser. */
export const EXTERNAL_URL_ALLOWLIST: readonly string[] = [
  'alpaca.markets',
  'app.alpaca.markets',
  'docs.alpaca.markets',
  'status.alpaca.markets',
];

export function isAllowedExternalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === 'https:' &&
    u.username === '' &&
    u.password === '' &&
    u.port === '' &&
    EXTERNAL_URL_ALLOWLIST.includes(u.hostname)
  );
}

export interface ExternalOpener {
  openExternal(url: string): Promise<void>;
}

function openIfAllowed(url: string, opener: ExternalOpener, log: HostLog): void {
  if (!isAllowedExternalUrl(url)) {
    log('warn', 'blocked an attempt to open a URL outside the allow-list', { url: url.slice(0, 200) });
    return;
  }
  opener.openExternal(url).catch((e: unknown) => log('warn', 'could not open an external URL', e));
}

/**
 * Applied to every WebContents the app creates: the page may never navigate away (an
 * allow-listed https link goes to the user's browser instead), never open a window, never
 * attach a <webview>.
 */
export function hardenWebContents(contents: WebContents, opener: ExternalOpener, log: HostLog): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    openIfAllowed(event.url, opener, log);
  });
  contents.on('will-redirect', (event) => {
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openIfAllowed(url, opener, log);
    return { action: 'deny' };
  });
}

/** Every permission (camera, notifications, clipboard, HID, serial, ...) is refused, asked or checked. */
export function denyAllPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

/**
 * Puts our CSP on every HTTP(S) response the session receives, replacing whatever the
 * response carried. The renderer itself comes from app://, whose handler sets the header.
 */
export function enforceCspHeader(ses: Session, csp: string): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    headers['Content-Security-Policy'] = [csp];
    callback({ responseHeaders: headers });
  });
}
