// The Electron transport of the typed API: one invoke channel in, one event channel out.
// Only our window's top frame, showing our own renderer, may call the engine; anything else
// (another window, an iframe, a page that somehow navigated elsewhere) gets `unauthorized`.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { err, type Result } from '../engine/api/contract';
import { eventForWatch, watchSetBy, type BarWatch } from './bar-watch';
import { subscribePaced } from './live-bar-pacing';
import { errorMessage, type HostedEngine, type HostLog } from './hosted-engine';
import { API_EVENT_CHANNEL, API_REQUEST_CHANNEL } from './ipc-channels';
import { isRendererUrl } from './window-security';

type SenderView = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;

/** `expectedWebContentsId`: the id of our main window's WebContents, null before it exists. */
export function isTrustedSender(event: SenderView, expectedWebContentsId: number | null): boolean {
  try {
    if (expectedWebContentsId === null || event.sender.id !== expectedWebContentsId) return false;
    const frame = event.senderFrame;
    if (frame === null) return false;
    const top = event.sender.mainFrame;
    const isTopFrame =
      frame.parent === null && frame.processId === top.processId && frame.routingId === top.routingId;
    return isTopFrame && isRendererUrl(frame.url);
  } catch {
    // a frame disposed while its message was in flight throws on access: not trusted
    return false;
  }
}

export const UNTRUSTED_SENDER_MESSAGE =
  'request refused: it did not come from the Trading Supervisor window showing its own page';

function frameUrl(event: SenderView): string | null {
  try {
    return event.senderFrame?.url.slice(0, 200) ?? null;
  } catch {
    return null;
  }
}

/** The window's bars:watch (see bar-watch.ts): set by its requests, read when forwarding events. */
export class WindowBarWatch {
  current: BarWatch = null;
}

/** Registers the one `api:request` handler; returns a function that removes it. */
export function registerApiHandler(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  deps: { engine: Pick<HostedEngine, 'dispatch'>; expectedWebContentsId: () => number | null; log: HostLog; barWatch?: WindowBarWatch },
): () => void {
  ipcMain.handle(API_REQUEST_CHANNEL, async (event, channel: unknown, payload: unknown): Promise<Result<unknown>> => {
    if (!isTrustedSender(event, deps.expectedWebContentsId())) {
      deps.log('warn', 'refused an API request from a foreign frame', {
        url: frameUrl(event),
        channel: typeof channel === 'string' ? channel.slice(0, 64) : typeof channel,
      });
      return err('unauthorized', UNTRUSTED_SENDER_MESSAGE);
    }
    try {
      const result = await deps.engine.dispatch(channel, payload);
      if (deps.barWatch) deps.barWatch.current = watchSetBy(channel, result) ?? deps.barWatch.current;
      return result;
    } catch (e) {
      // dispatch promises never to throw; if it does, the window still gets a typed answer
      deps.log('error', 'engine dispatch threw', e);
      return err('internal', `the engine failed while handling the request: ${errorMessage(e)}`);
    }
  });
  return () => ipcMain.removeHandler(API_REQUEST_CHANNEL);
}

/**
 * Sends every engine event to the window while it is alive (live bars paced, see
 * live-bar-pacing.ts, and only for the symbols it watches once it has said which); returns the
 * unsubscribe.
 */
export function forwardEngineEvents(
  engine: Pick<HostedEngine, 'subscribe'>,
  target: () => Pick<WebContents, 'send' | 'isDestroyed'> | null,
  barWatch: WindowBarWatch = new WindowBarWatch(),
  /** live bars at most this far apart (default LIVE_BAR_FRAME_MS; 0: each turn's bars at once) */
  liveBarFrameMs?: number,
): () => void {
  const live = (): Pick<WebContents, 'send'> | null => {
    const contents = target();
    return contents === null || contents.isDestroyed() ? null : contents;
  };
  return subscribePaced(
    (l) => engine.subscribe(l),
    (event) => (live() === null ? null : eventForWatch(event, barWatch.current)),
    (event) => live()?.send(API_EVENT_CHANNEL, event),
    { frameMs: liveBarFrameMs },
  );
}
