// The `electron` module as main.ts uses it, recorded: app handlers, the windows it made (with
// their options), trays, and the session/protocol/IPC registrations. Shared by the tests that
// boot the real electron/main.ts (test/unit/electron/main.test.ts, test/security/checklist.test.ts);
// each builds one inside `vi.hoisted` (a vi.mock factory cannot see module imports).
import { vi } from 'vitest';

type Handler = (...args: unknown[]) => unknown;

export interface FakeWindow {
  options: Record<string, unknown>;
  loadURL: ReturnType<typeof vi.fn>;
  once: ReturnType<typeof vi.fn>;
}

export function makeFakeElectron() {
  const appHandlers = new Map<string, Handler[]>();
  const windows: FakeWindow[] = [];
  const trays: { menu: unknown }[] = [];
  /** what the app reports: packaged, holding the single-instance lock, its userData path */
  const state = { packaged: true, lock: true, userData: '' };
  const electron = {
    app: {
      on: vi.fn((name: string, h: Handler) => {
        appHandlers.set(name, [...(appHandlers.get(name) ?? []), h]);
      }),
      whenReady: vi.fn(() => Promise.resolve()),
      getPath: vi.fn(() => state.userData),
      setPath: vi.fn((_name: string, value: string) => {
        state.userData = value;
      }),
      requestSingleInstanceLock: vi.fn(() => state.lock),
      quit: vi.fn(),
      exit: vi.fn(),
      get isPackaged() {
        return state.packaged;
      },
    },
    BrowserWindow: vi.fn(function (this: Record<string, unknown>, options: Record<string, unknown>) {
      const win = {
        options,
        loadURL: vi.fn(() => Promise.resolve()),
        once: vi.fn(),
        isDestroyed: () => false,
        isMinimized: () => false,
        show: vi.fn(),
        focus: vi.fn(),
        restore: vi.fn(),
        webContents: { id: 11, send: vi.fn(), isDestroyed: () => false, on: vi.fn() },
      };
      windows.push(win);
      return win;
    }),
    dialog: { showErrorBox: vi.fn() },
    globalShortcut: { register: vi.fn(() => true), unregisterAll: vi.fn() },
    ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
    Menu: { buildFromTemplate: vi.fn((t: unknown) => ({ template: t })) },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    session: {
      defaultSession: {
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
        setDevicePermissionHandler: vi.fn(),
        webRequest: { onHeadersReceived: vi.fn() },
      },
    },
    safeStorage: {},
    shell: { openExternal: vi.fn(() => Promise.resolve()) },
    Tray: vi.fn(function (this: unknown) {
      const tray = { menu: null as unknown, setToolTip: vi.fn(), setContextMenu: vi.fn((menu: unknown) => (tray.menu = menu)), destroy: vi.fn() };
      trays.push(tray);
      return tray;
    }),
  };
  return { electron, appHandlers, windows, trays, state };
}
