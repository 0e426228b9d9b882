import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn() },
}));
vi.mock('electron', () => electron);

import type { Api } from '../../../engine/api/contract';

async function loadPreload(): Promise<Api> {
  vi.resetModules();
  electron.contextBridge.exposeInMainWorld.mockClear();
  electron.ipcRenderer.invoke.mockReset();
  electron.ipcRenderer.on.mockReset();
  await import('../../../electron/preload');
  expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
  return electron.contextBridge.exposeInMainWorld.mock.calls[0]?.[1] as Api;
}

/** what the main process sends on api:event */
function emit(name: string, payload: unknown): void {
  for (const [channel, handler] of electron.ipcRenderer.on.mock.calls as [string, (e: unknown, m: unknown) => void][]) {
    if (channel === 'api:event') handler({}, { name, payload });
  }
}

describe('preload', () => {
  beforeEach(() => vi.clearAllMocks());

  it('exposes window.api with exactly request and on, and nothing else in the main world', async () => {
    const api = await loadPreload();
    expect(electron.contextBridge.exposeInMainWorld.mock.calls[0]?.[0]).toBe('api');
    expect(Object.keys(api).sort()).toEqual(['on', 'request']);
  });

  it('routes request through ipcRenderer.invoke("api:request", channel, input)', async () => {
    const api = await loadPreload();
    electron.ipcRenderer.invoke.mockResolvedValue({ ok: true, value: { mode: 'manual' } });
    await expect(api.request('supervisor:set_mode', { mode: 'manual' })).resolves.toEqual({ ok: true, value: { mode: 'manual' } });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith('api:request', 'supervisor:set_mode', { mode: 'manual' });
  });

  it('on() delivers only the named event, through one api:event listener, until unsubscribed', async () => {
    const api = await loadPreload();
    const status = vi.fn();
    const ticks = vi.fn();
    const off = api.on('engine:status', status);
    api.on('bars:tick', ticks);
    expect(electron.ipcRenderer.on).toHaveBeenCalledTimes(1);
    expect(electron.ipcRenderer.on.mock.calls[0]?.[0]).toBe('api:event');

    emit('engine:status', { mode: 'manual' });
    expect(status).toHaveBeenCalledWith({ mode: 'manual' });
    expect(ticks).not.toHaveBeenCalled();

    off();
    emit('engine:status', { mode: 'autonomous' });
    expect(status).toHaveBeenCalledTimes(1);
  });

  it('a throwing listener does not keep the event from the others; junk messages are ignored', async () => {
    const api = await loadPreload();
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const good = vi.fn();
    api.on('audit:appended', () => {
      throw new Error('listener bug');
    });
    api.on('audit:appended', good);
    emit('audit:appended', { id: 1 });
    expect(good).toHaveBeenCalledWith({ id: 1 });
    for (const [, handler] of electron.ipcRenderer.on.mock.calls as [string, (e: unknown, m: unknown) => void][]) {
      handler({}, null);
      handler({}, 'text');
      handler({}, { name: 42 });
    }
    expect(good).toHaveBeenCalledTimes(1);
    quiet.mockRestore();
  });
});
