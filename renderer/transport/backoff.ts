// Reconnect delays: exponential from 250 ms, capped at 10 s, with up to 20% jitter so that
// several windows do not hammer a restarting host in lockstep.
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 10_000;

export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (1 - 0.2 * random()));
}
