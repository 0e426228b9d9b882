// Quitting waits for the engine to shut down cleanly (journal flushed, store closed) exactly
// once, however many quit requests arrive, and never hangs the app forever.
import { errorMessage, type HostLog } from './hosted-engine';

export interface QuitEvent {
  preventDefault(): void;
}

/**
 * Returns a `before-quit` handler. The first call holds the quit, runs `shutdown` (bounded by
 * `timeoutMs`) and then calls `quit` again; later calls while it runs are held too; after it
 * finishes, quitting proceeds.
 */
export function createQuitGate(deps: {
  shutdown: () => Promise<void>;
  quit: () => void;
  log: HostLog;
  timeoutMs?: number;
}): (event: QuitEvent) => void {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  let state: 'running' | 'stopping' | 'done' = 'running';
  return (event) => {
    if (state === 'done') return;
    event.preventDefault();
    if (state === 'stopping') return;
    state = 'stopping';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        deps.log('error', `engine shutdown took over ${timeoutMs / 1000} s: quitting anyway`);
        resolve();
      }, timeoutMs);
    });
    const shutdown = deps.shutdown().catch((e: unknown) => deps.log('error', `engine shutdown failed: ${errorMessage(e)}`));
    void Promise.race([shutdown, timeout]).then(() => {
      clearTimeout(timer);
      state = 'done';
      deps.quit();
    });
  };
}
