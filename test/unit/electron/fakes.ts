// Small stand-ins for Electron objects, enough for the host modules under test.
import { EventEmitter } from 'node:events';
import type { Session, WebContents } from 'electron';
import { vi } from 'vitest';

export type WindowOpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' };

export class FakeWebContents extends EventEmitter {
  windowOpenHandler: WindowOpenHandler | null = null;
  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }
  /** emits a preventable event the way Electron does; returns whether a listener prevented it */
  fire(name: string, details: Record<string, unknown> = {}, ...args: unknown[]): boolean {
    let prevented = false;
    this.emit(name, { ...details, preventDefault: () => (prevented = true) }, ...args);
    return prevented;
  }
  asWebContents(): WebContents {
    // the modules under test use only on() and setWindowOpenHandler()
    return this as unknown as WebContents;
  }
}

export function fakeSession() {
  const handlers: {
    request?: (wc: unknown, permission: string, cb: (granted: boolean) => void, details: unknown) => void;
    check?: (...args: unknown[]) => boolean;
    device?: (...args: unknown[]) => boolean;
    headers?: (details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void;
  } = {};
  const session = {
    setPermissionRequestHandler: vi.fn((h: typeof handlers.request) => (handlers.request = h)),
    setPermissionCheckHandler: vi.fn((h: typeof handlers.check) => (handlers.check = h)),
    setDevicePermissionHandler: vi.fn((h: typeof handlers.device) => (handlers.device = h)),
    webRequest: { onHeadersReceived: vi.fn((h: typeof handlers.headers) => (handlers.headers = h)) },
  };
  return { session, handlers, asSession: () => session as unknown as Session };
}

export const silentLog = vi.fn();
