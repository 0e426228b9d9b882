// Per-client live bars. The engine publishes every bar it takes in (bars:tick); a window shows
// one chart. At full simulator speed that is hundreds of thousands of bars a second, which the
// host would serialize and the page parse only to drop all but one symbol's: a busy browser on
// the same two cores as the engine is what delayed the engine's thread. A client says which
// symbols it shows (bars:watch, checked by the engine); both transports keep that per client and
// send each client only its symbols' ticks. A client that never asked gets every tick.
import type { EngineEvent, Result } from '../engine/api/contract';

/** the symbols a client watches; null: it never asked, so every symbol */
export type BarWatch = ReadonlySet<string> | null;

export const BAR_WATCH_CHANNEL = 'bars:watch';

/** The watch a request sets: its result's symbols when it was a successful bars:watch, else undefined. */
export function watchSetBy(channel: unknown, result: Result<unknown>): ReadonlySet<string> | undefined {
  if (channel !== BAR_WATCH_CHANNEL || !result.ok) return undefined;
  return new Set((result.value as { symbols: string[] }).symbols);
}

/**
 * The event as a client with `watch` gets it: unchanged unless it is a bars:tick for a client
 * that watches, then only the watched symbols' ticks, or null when none of them is in it.
 */
export function eventForWatch(event: EngineEvent, watch: BarWatch): EngineEvent | null {
  if (watch === null || event.name !== 'bars:tick') return event;
  const { timeframe, ticks } = event.payload;
  const kept = ticks.filter((t) => watch.has(t.symbol));
  if (kept.length === 0) return null;
  return kept.length === ticks.length ? event : { name: 'bars:tick', payload: { timeframe, ticks: kept } };
}

/** A key equal for equal watches, so clients watching the same symbols share one serialized frame. */
export function watchKey(watch: BarWatch): string {
  return watch === null ? '*' : [...watch].sort().join(',');
}
