// Electron main: wires the runtime (engine + store) to one secure window, the tray and the
// global emergency-stop shortcut. Kept to wiring; the logic lives in the modules it imports,
// each unit-tested with a mocked `electron`.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  globalShortcut,
  ipcMain,
  Menu,
  protocol,
  safeStorage,
  session,
  shell,
  Tray,
} from 'electron';
import { createAppProtocolHandler, APP_SCHEME_PRIVILEGES } from './app-protocol';
import { parseMainArgs } from './args';
import { contentSecurityPolicy } from './csp';
import { errorMessage, stderrLog } from './hosted-engine';
import { appRootFor, distDirFor } from './host-paths';
import { forwardEngineEvents, registerApiHandler, WindowBarWatch } from './ipc';
import { engageKillSwitch, registerKillShortcut, trayMenuTemplate } from './killswitch-controls';
import { createQuitGate } from './lifecycle';
import { nativeBindingFor } from './native-paths.mjs';
import { startAlertNotifications } from './notifications';
import { RuntimeStartError, startRuntime, type Runtime } from './runtime';
import { SafeStorageSecretStore } from './secrets/safeStorageSecretStore';
import {
  APP_SCHEME,
  denyAllPermissions,
  enforceCspHeader,
  hardenWebContents,
  mainWindowOptions,
  RENDERER_ENTRY_URL,
} from './window-security';

const log = stderrLog('[main]');
const distDir = distDirFor(import.meta.dirname);
const csp = contentSecurityPolicy();

// must happen before `ready`
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, shell, log));

function fail(title: string, message: string, code: number): void {
  log('error', `${title}: ${message}`);
  dialog.showErrorBox(title, message);
  app.exit(code);
}

/** The better-sqlite3 build for this Electron; a packaged app has it rebuilt in place by electron-builder. */
function electronNativeBinding(): string | undefined | Error {
  if (app.isPackaged) return undefined;
  const version = process.versions.electron ?? 'unknown';
  const file = nativeBindingFor(appRootFor(import.meta.dirname), version);
  if (existsSync(file)) return file;
  return new Error(
    `The SQLite module built for Electron ${version} is missing (${file}). ` +
      'Run `node electron/prepare-native.mjs` (npm start does it for you), then start again.',
  );
}

function start(): void {
  const parsed = parseMainArgs(process.argv.slice(1));
  if (!parsed.ok) {
    fail('Trading Supervisor: bad command line', `${parsed.message}.\nOptions: --data-dir DIR --broker sim|alpaca --sim-seed N --sim-speed X`, 2);
    return;
  }
  const args = parsed.value;
  // the data dir is also Chromium's profile, so the single-instance lock is per data dir
  if (args.dataDir !== null) app.setPath('userData', args.dataDir);
  const dataDir = app.getPath('userData');
  try {
    // the single-instance lock lives in this folder, so it must exist before the lock is taken
    mkdirSync(dataDir, { recursive: true });
  } catch (e) {
    fail('Trading Supervisor cannot start', `Cannot create the data directory ${dataDir}: ${errorMessage(e)}. Choose another with --data-dir.`, 2);
    return;
  }
  if (!app.requestSingleInstanceLock()) {
    log('info', `another Trading Supervisor already runs on ${dataDir}: bringing it to the front`);
    app.quit();
    return;
  }

  let runtime: Runtime | null = null;
  let win: BrowserWindow | null = null;
  let tray: Tray | null = null;
  let stopNotifications: (() => void) | null = null;

  const showWindow = (): void => {
    if (win === null || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  const engage = (source: 'shortcut' | 'tray', flatten: boolean | undefined): void => {
    if (runtime === null) return;
    void engageKillSwitch(runtime, source, flatten, log).then(() => showWindow());
  };

  app.on('second-instance', showWindow);
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => {
    globalShortcut.unregisterAll();
    stopNotifications?.();
    tray?.destroy();
  });
  app.on(
    'before-quit',
    createQuitGate({ shutdown: async () => runtime?.shutdown(), quit: () => app.quit(), log }),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  void app.whenReady().then(async () => {
    const ses = session.defaultSession;
    denyAllPermissions(ses);
    enforceCspHeader(ses, csp);
    protocol.handle(APP_SCHEME, createAppProtocolHandler({ rendererDir: join(distDir, 'renderer'), csp }));

    const nativeBinding = electronNativeBinding();
    if (nativeBinding instanceof Error) {
      fail('Trading Supervisor cannot start', nativeBinding.message, 1);
      return;
    }
    try {
      runtime = await startRuntime({
        dataDir,
        broker: args.broker,
        // takes the data directory's lock and serves the control endpoint that `cli stop` reaches
        host: 'electron',
        controlEndpoint: true,
        ...(args.simSeed !== undefined ? { simSeed: args.simSeed } : {}),
        ...(args.simSpeed !== undefined ? { simSpeed: args.simSpeed } : {}),
        ...(nativeBinding !== undefined ? { nativeBinding } : {}),
        // Alpaca keys saved from the app are encrypted with the OS keychain; touched only when keys are
        secrets: () => SafeStorageSecretStore.inDataDir(dataDir, safeStorage),
        log,
      });
    } catch (e) {
      // a refused database is left exactly as it is: the message says what to do with it
      const message = e instanceof RuntimeStartError ? e.message : `Unexpected error while starting: ${errorMessage(e)}`;
      fail('Trading Supervisor cannot start', message, 1);
      return;
    }
    const engine = runtime;

    const iconPath = join(distDir, 'icon.png');
    const window = new BrowserWindow(mainWindowOptions({ preloadPath: join(distDir, 'preload.cjs'), iconPath }));
    win = window;
    window.once('ready-to-show', () => window.show());
    const barWatch = new WindowBarWatch();
    // a reloaded page starts over: every symbol's bars until its chart says which it shows
    window.webContents.on('did-navigate', () => (barWatch.current = null));
    registerApiHandler(ipcMain, {
      engine,
      expectedWebContentsId: () => (window.isDestroyed() ? null : window.webContents.id),
      log,
      barWatch,
    });
    forwardEngineEvents(engine, () => (window.isDestroyed() ? null : window.webContents), barWatch);
    // alerts reach the user even while the window is hidden or minimised
    stopNotifications = startAlertNotifications(engine, { log, onClick: showWindow });

    try {
      tray = new Tray(iconPath);
      tray.setToolTip('Trading Supervisor');
      tray.setContextMenu(
        Menu.buildFromTemplate(
          trayMenuTemplate({ engage: (flatten) => engage('tray', flatten), showWindow, quit: () => app.quit() }),
        ),
      );
    } catch (e) {
      // some Linux desktops have no tray; the button and the shortcut still stop everything
      log('warn', `no tray icon: ${errorMessage(e)}`);
    }
    registerKillShortcut(globalShortcut, () => engage('shortcut', undefined), log);

    await window.loadURL(RENDERER_ENTRY_URL);
  }).catch((e: unknown) => fail('Trading Supervisor failed', errorMessage(e), 1));
}

start();
