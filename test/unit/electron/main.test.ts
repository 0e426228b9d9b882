// Electron main's wiring, with `electron` and the runtime mocked: the window it creates, what it
// registers, and how it fails. Each test imports main.ts afresh with its own argv.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

type Handler = (...args: unknown[]) => unknown;

const m = await vi.hoisted(async () => {
  const { makeFakeElectron } = await import('./fakeElectron');
  const fake = makeFakeElectron();
  class RuntimeStartError extends Error {}
  const runtime = {
    dataDir: '',
    dispatch: vi.fn(async () => ({ ok: true, value: {} })),
    subscribe: vi.fn(() => () => undefined),
    shutdown: vi.fn(async () => undefined),
  };
  const startRuntime = vi.fn(async (): Promise<typeof runtime> => runtime);
  return { ...fake, runtime, startRuntime, RuntimeStartError };
});

vi.mock('electron', () => m.electron);
vi.mock('../../../electron/runtime', () => ({ startRuntime: m.startRuntime, RuntimeStartError: m.RuntimeStartError }));

const realArgv = process.argv;
const tmp = mkdtempSync(join(tmpdir(), 'ts-main-'));
const dataDir = join(tmp, 'data');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };

async function boot(args: string[], opts: { packaged?: boolean; lock?: boolean; runtimeError?: Error } = {}): Promise<void> {
  vi.resetModules();
  vi.clearAllMocks();
  m.appHandlers.clear();
  m.windows.length = 0;
  m.trays.length = 0;
  m.state.packaged = opts.packaged ?? true;
  m.state.lock = opts.lock ?? true;
  m.state.userData = join(tmp, 'default-userData');
  m.startRuntime.mockImplementation(async () => {
    if (opts.runtimeError) throw opts.runtimeError;
    return m.runtime;
  });
  process.argv = ['/usr/bin/electron', '/app', ...args];
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  await import('../../../electron/main');
}

afterEach(() => {
  process.argv = realArgv;
  vi.restoreAllMocks();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(signal)) if (!signalListeners[signal].includes(l)) process.off(signal, l);
  }
});

const appHandler = (name: string): Handler => {
  const h = m.appHandlers.get(name)?.[0];
  if (!h) throw new Error(`no app.on('${name}') handler`);
  return h;
};

describe('electron main', () => {
  it('opens one secure window on app://renderer and starts the runtime on the --data-dir', async () => {
    await boot(['--data-dir', dataDir, '--sim-seed', '5']);
    await vi.waitFor(() => expect(m.windows[0]?.loadURL).toHaveBeenCalledWith('app://renderer/index.html'));
    expect(m.electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([expect.objectContaining({ scheme: 'app' })]);
    expect(m.electron.app.setPath).toHaveBeenCalledWith('userData', dataDir);
    expect(m.startRuntime).toHaveBeenCalledWith(expect.objectContaining({ dataDir, broker: 'sim', simSeed: 5 }));
    expect(m.windows).toHaveLength(1);
    expect(m.windows[0]?.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String((m.windows[0]?.options.webPreferences as { preload: string }).preload)).toMatch(/dist[\\/]preload\.cjs$/);
    expect(m.electron.ipcMain.handle).toHaveBeenCalledWith('api:request', expect.any(Function));
    expect(m.electron.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled();
    expect(m.electron.session.defaultSession.webRequest.onHeadersReceived).toHaveBeenCalled();
    expect(m.electron.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
    expect(m.appHandlers.has('web-contents-created')).toBe(true);
  });

  it('engages the kill switch from the global shortcut and from the tray, with their sources', async () => {
    await boot([]);
    await vi.waitFor(() => expect(m.electron.globalShortcut.register).toHaveBeenCalled());
    const [accelerator, onPress] = m.electron.globalShortcut.register.mock.calls[0] as unknown as [string, () => void];
    expect(accelerator).toBe('CommandOrControl+Shift+K');
    onPress();
    expect(m.runtime.dispatch).toHaveBeenLastCalledWith('killswitch:engage', { source: 'shortcut' });

    const menu = m.trays[0]?.menu as { template: { label?: string; click?: () => void }[] };
    menu.template.find((i) => i.label === 'Emergency stop + flatten')?.click?.();
    expect(m.runtime.dispatch).toHaveBeenLastCalledWith('killswitch:engage', { source: 'tray', flatten: true });
    menu.template.find((i) => i.label === 'Emergency stop')?.click?.();
    expect(m.runtime.dispatch).toHaveBeenLastCalledWith('killswitch:engage', { source: 'tray', flatten: false });
  });

  it('shows the refusal and quits, without a window, when the runtime refuses the database', async () => {
    await boot([], { runtimeError: new m.RuntimeStartError('The database is newer than this app: upgrade the app.') });
    await vi.waitFor(() => expect(m.electron.app.exit).toHaveBeenCalledWith(1));
    expect(m.electron.dialog.showErrorBox).toHaveBeenCalledWith('Trading Supervisor cannot start', 'The database is newer than this app: upgrade the app.');
    expect(m.windows).toHaveLength(0);
  });

  it('refuses a bad command line with a dialog naming the flag and exit code 2', async () => {
    await boot(['--sim-speed', 'fast']);
    expect(m.electron.dialog.showErrorBox).toHaveBeenCalledWith(expect.stringMatching(/bad command line/), expect.stringMatching(/--sim-speed/));
    expect(m.electron.app.exit).toHaveBeenCalledWith(2);
    expect(m.startRuntime).not.toHaveBeenCalled();
  });

  it('says so, with exit code 2, when the data dir cannot be created', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    await boot(['--data-dir', join(file, 'sub')]);
    expect(m.electron.dialog.showErrorBox).toHaveBeenCalledWith('Trading Supervisor cannot start', expect.stringMatching(/Cannot create the data directory .*--data-dir/));
    expect(m.electron.app.exit).toHaveBeenCalledWith(2);
    expect(m.electron.app.requestSingleInstanceLock).not.toHaveBeenCalled();
  });

  it('a second instance on the same data dir quits without touching the database', async () => {
    await boot([], { lock: false });
    expect(m.electron.app.quit).toHaveBeenCalled();
    await new Promise((r) => setImmediate(r));
    expect(m.startRuntime).not.toHaveBeenCalled();
  });

  it('unpackaged without the Electron build of better-sqlite3, says how to build it instead of crashing', async () => {
    await boot([], { packaged: false });
    await vi.waitFor(() => expect(m.electron.app.exit).toHaveBeenCalledWith(1));
    expect(m.electron.dialog.showErrorBox).toHaveBeenCalledWith('Trading Supervisor cannot start', expect.stringMatching(/prepare-native\.mjs/));
    expect(m.startRuntime).not.toHaveBeenCalled();
  });

  it('quitting shuts the runtime down before the app exits', async () => {
    await boot([]);
    await vi.waitFor(() => expect(m.windows[0]?.loadURL).toHaveBeenCalled());
    const event = { preventDefault: vi.fn() };
    appHandler('before-quit')(event);
    expect(event.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(m.electron.app.quit).toHaveBeenCalled());
    expect(m.runtime.shutdown).toHaveBeenCalledTimes(1);
  });
});
