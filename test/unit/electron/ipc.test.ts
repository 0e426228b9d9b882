import { describe, expect, it, vi } from 'vitest';

// the module under test imports only types from electron; the mock proves nothing else is needed
vi.mock('electron', () => ({}));

import type { IpcMainInvokeEvent } from 'electron';
import type { EngineEvent, Result } from '../../../engine/api/contract';
import { forwardEngineEvents, isTrustedSender, registerApiHandler, UNTRUSTED_SENDER_MESSAGE, WindowBarWatch } from '../../../electron/ipc';
import { API_EVENT_CHANNEL, API_REQUEST_CHANNEL } from '../../../electron/ipc-channels';

const WC_ID = 7;

interface FrameSpec {
  url?: string;
  top?: boolean;
  senderId?: number;
  nullFrame?: boolean;
  disposed?: boolean;
}

function invokeEvent(spec: FrameSpec = {}): IpcMainInvokeEvent {
  const mainFrame = { processId: 3, routingId: 1, parent: null, url: 'app://renderer/index.html' };
  const frame = spec.disposed
    ? Object.defineProperty({}, 'url', { get: () => { throw new Error('Render frame was disposed'); } })
    : {
        processId: 3,
        routingId: spec.top === false ? 9 : 1,
        parent: spec.top === false ? mainFrame : null,
        url: spec.url ?? 'app://renderer/index.html',
      };
  const event = {
    sender: { id: spec.senderId ?? WC_ID, mainFrame },
    senderFrame: spec.nullFrame ? null : frame,
  };
  // only sender and senderFrame are read
  return event as unknown as IpcMainInvokeEvent;
}

describe('isTrustedSender', () => {
  it('trusts only our window top frame showing app://renderer', () => {
    expect(isTrustedSender(invokeEvent(), WC_ID)).toBe(true);
  });

  it.each<[string, FrameSpec, number | null]>([
    ['another WebContents', { senderId: 8 }, WC_ID],
    ['a subframe of our window', { top: false }, WC_ID],
    ['a foreign page in our window', { url: 'https://evil.example/' }, WC_ID],
    ['a file:// page', { url: 'file:///tmp/x.html' }, WC_ID],
    ['a message without a frame', { nullFrame: true }, WC_ID],
    ['a disposed frame', { disposed: true }, WC_ID],
    ['any sender before the window exists', {}, null],
  ])('refuses %s', (_name, spec, expected) => {
    expect(isTrustedSender(invokeEvent(spec), expected)).toBe(false);
  });
});

function setup(dispatch: (c: unknown, p: unknown) => Promise<Result<unknown>>, barWatch?: WindowBarWatch) {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain = {
    handle: vi.fn((channel: string, h: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>) => {
      handlers.set(channel, h);
    }),
    removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
  };
  const engine = { dispatch: vi.fn(dispatch) };
  const log = vi.fn();
  const dispose = registerApiHandler(ipcMain, { engine, expectedWebContentsId: () => WC_ID, log, barWatch });
  const invoke = (event: IpcMainInvokeEvent, ...args: unknown[]) => {
    const h = handlers.get(API_REQUEST_CHANNEL);
    if (!h) throw new Error('no handler registered');
    return h(event, ...args);
  };
  return { ipcMain, engine, log, dispose, invoke, handlers };
}

describe('registerApiHandler', () => {
  it('registers exactly one handler, on api:request', () => {
    const { ipcMain } = setup(async () => ({ ok: true, value: 1 }));
    expect(ipcMain.handle).toHaveBeenCalledTimes(1);
    expect(ipcMain.handle.mock.calls[0]?.[0]).toBe('api:request');
  });

  it('passes a trusted request to the engine and returns its result', async () => {
    const { invoke, engine } = setup(async () => ({ ok: true, value: { state: 'halted' } }));
    await expect(invoke(invokeEvent(), 'killswitch:engage', { source: 'ui' })).resolves.toEqual({ ok: true, value: { state: 'halted' } });
    expect(engine.dispatch).toHaveBeenCalledWith('killswitch:engage', { source: 'ui' });
  });

  it('refuses a request from a foreign frame with unauthorized, and the engine never sees it', async () => {
    const { invoke, engine, log } = setup(async () => ({ ok: true, value: null }));
    const result = await invoke(invokeEvent({ url: 'https://evil.example/' }), 'orders:submit', { symbol: 'AAPL' });
    expect(result).toEqual({ ok: false, error: { code: 'unauthorized', message: UNTRUSTED_SENDER_MESSAGE } });
    expect(engine.dispatch).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith('warn', expect.stringMatching(/foreign frame/), expect.objectContaining({ url: 'https://evil.example/' }));
  });

  it('answers with a typed internal error if the engine throws anyway', async () => {
    const { invoke } = setup(async () => {
      throw new Error('boom');
    });
    await expect(invoke(invokeEvent(), 'app:snapshot', {})).resolves.toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(/boom/) } });
  });

  it('dispose removes the handler', () => {
    const { dispose, handlers } = setup(async () => ({ ok: true, value: null }));
    dispose();
    expect(handlers.has(API_REQUEST_CHANNEL)).toBe(false);
  });
});

describe('forwardEngineEvents', () => {
  it('sends every engine event on api:event while the window lives, and stops after unsubscribe', () => {
    let listener: ((e: EngineEvent) => void) | null = null;
    const unsubscribe = vi.fn();
    const engine = { subscribe: vi.fn((l: (e: EngineEvent) => void) => ((listener = l), unsubscribe)) };
    const contents = { send: vi.fn(), isDestroyed: vi.fn(() => false) };
    const stop = forwardEngineEvents(engine, () => contents);
    const event: EngineEvent = { name: 'readiness:updated', payload: [] };
    listener!(event);
    expect(contents.send).toHaveBeenCalledWith(API_EVENT_CHANNEL, event);
    contents.isDestroyed.mockReturnValue(true);
    listener!(event);
    expect(contents.send).toHaveBeenCalledTimes(1);
    stop();
    expect(unsubscribe).toHaveBeenCalled();
  });

  it("sends live bars only for the symbols the window's successful bars:watch named", async () => {
    const watch = new WindowBarWatch();
    const { invoke } = setup(async (channel, payload) => {
      const symbols = (payload as { symbols: string[] }).symbols;
      return channel === 'bars:watch' && !symbols.includes('NOPE') ? { ok: true, value: { symbols } } : { ok: false, error: { code: 'unknown_symbol', message: 'no' } };
    }, watch);
    let listener: ((e: EngineEvent) => void) | null = null;
    const engine = { subscribe: vi.fn((l: (e: EngineEvent) => void) => ((listener = l), () => undefined)) };
    const contents = { send: vi.fn(), isDestroyed: () => false };
    forwardEngineEvents(engine, () => contents, watch, 0);
    const bar = { t: 60_000, o: 1, h: 1, l: 1, c: 1, v: 1 };
    const tick = (...symbols: string[]): EngineEvent => ({ name: 'bars:tick', payload: { timeframe: '1Min', ticks: symbols.map((symbol) => ({ symbol, bar })) } });
    listener!(tick('AAPL', 'MSFT'));
    expect(contents.send).toHaveBeenLastCalledWith(API_EVENT_CHANNEL, tick('AAPL', 'MSFT'));
    await invoke(invokeEvent(), 'bars:watch', { symbols: ['MSFT'] });
    await invoke(invokeEvent(), 'bars:watch', { symbols: ['NOPE'] }); // refused: the last watch stays
    listener!(tick('AAPL', 'MSFT'));
    expect(contents.send).toHaveBeenLastCalledWith(API_EVENT_CHANNEL, tick('MSFT'));
    contents.send.mockClear();
    listener!(tick('AAPL'));
    expect(contents.send).not.toHaveBeenCalled();
  });
});
