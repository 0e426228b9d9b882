import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { engageKillSwitch, KILL_SHORTCUT, registerKillShortcut, trayMenuTemplate } from '../../../electron/killswitch-controls';

describe('kill switch outside the page', () => {
  it('the tray menu offers stop, stop + flatten, show window and quit, wired to the right actions', () => {
    const actions = { engage: vi.fn(), showWindow: vi.fn(), quit: vi.fn() };
    const items = trayMenuTemplate(actions);
    expect(items.map((i) => i.label ?? i.type)).toEqual(['Emergency stop', 'Emergency stop + flatten', 'separator', 'Show window', 'Quit']);
    const click = (label: string) => {
      const item = items.find((i) => i.label === label);
      (item?.click as (() => void) | undefined)?.();
    };
    click('Emergency stop');
    expect(actions.engage).toHaveBeenLastCalledWith(false);
    click('Emergency stop + flatten');
    expect(actions.engage).toHaveBeenLastCalledWith(true);
    click('Show window');
    click('Quit');
    expect(actions.showWindow).toHaveBeenCalledTimes(1);
    expect(actions.quit).toHaveBeenCalledTimes(1);
  });

  it('registers CommandOrControl+Shift+K and warns when another app holds it', () => {
    const log = vi.fn();
    const press = vi.fn();
    const gs = { register: vi.fn(() => true) };
    expect(registerKillShortcut(gs, press, log)).toBe(true);
    expect(gs.register).toHaveBeenCalledWith('CommandOrControl+Shift+K', press);
    expect(KILL_SHORTCUT).toBe('CommandOrControl+Shift+K');
    expect(registerKillShortcut({ register: vi.fn(() => false) }, press, log)).toBe(false);
    expect(log).toHaveBeenCalledWith('warn', expect.stringMatching(/taken by another application/));
  });

  it('engages through the validated API channel with its source, and reports a refusal', async () => {
    const log = vi.fn();
    const engine = { dispatch: vi.fn(async () => ({ ok: true as const, value: {} })) };
    expect(await engageKillSwitch(engine, 'tray', true, log)).toBe(true);
    expect(engine.dispatch).toHaveBeenCalledWith('killswitch:engage', { source: 'tray', flatten: true });
    await engageKillSwitch(engine, 'shortcut', undefined, log);
    expect(engine.dispatch).toHaveBeenLastCalledWith('killswitch:engage', { source: 'shortcut' });

    const failing = { dispatch: vi.fn(async () => ({ ok: false as const, error: { code: 'internal' as const, message: 'broker down' } })) };
    expect(await engageKillSwitch(failing, 'shortcut', undefined, log)).toBe(false);
    expect(log).toHaveBeenCalledWith('error', expect.stringMatching(/broker down/), expect.anything());
  });
});
