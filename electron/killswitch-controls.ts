// The emergency stop outside the page: a global keyboard shortcut and the tray menu. They go
// through the same validated API as the button (`killswitch:engage`), so the engine sees one
// path whatever the source, and a failure is logged rather than thrown into Electron.
import type { GlobalShortcut, MenuItemConstructorOptions } from 'electron';
import type { HostedEngine, HostLog } from './hosted-engine';

export const KILL_SHORTCUT = 'CommandOrControl+Shift+K';

export type StopSource = 'shortcut' | 'tray';

export async function engageKillSwitch(
  engine: Pick<HostedEngine, 'dispatch'>,
  source: StopSource,
  flatten: boolean | undefined,
  log: HostLog,
): Promise<boolean> {
  const payload = flatten === undefined ? { source } : { source, flatten };
  const result = await engine.dispatch('killswitch:engage', payload);
  if (result.ok) {
    log('info', `emergency stop engaged from the ${source}`, { flatten: flatten ?? 'per settings' });
    return true;
  }
  log('error', `emergency stop from the ${source} failed: ${result.error.message}`, result.error);
  return false;
}

export interface TrayActions {
  engage(flatten: boolean): void;
  showWindow(): void;
  quit(): void;
}

export function trayMenuTemplate(actions: TrayActions): MenuItemConstructorOptions[] {
  return [
    { id: 'stop', label: 'Emergency stop', click: () => actions.engage(false) },
    { id: 'stop-flatten', label: 'Emergency stop + flatten', click: () => actions.engage(true) },
    { type: 'separator' },
    { id: 'show', label: 'Show window', click: () => actions.showWindow() },
    { id: 'quit', label: 'Quit', click: () => actions.quit() },
  ];
}

/**
 * The shortcut leaves `flatten` to the user's settings, like the on-screen button. Returns
 * false (and logs why) when another application already holds the accelerator.
 */
export function registerKillShortcut(
  globalShortcut: Pick<GlobalShortcut, 'register'>,
  onPress: () => void,
  log: HostLog,
): boolean {
  let registered = false;
  try {
    registered = globalShortcut.register(KILL_SHORTCUT, onPress);
  } catch (e) {
    log('warn', `could not register ${KILL_SHORTCUT}`, e);
  }
  if (!registered) {
    log('warn', `${KILL_SHORTCUT} is taken by another application: use the button or the tray menu to stop`);
  }
  return registered;
}
