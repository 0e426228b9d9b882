// Pure bar arithmetic behind the chart: merging live bars into a bounded buffer, the strategy's
// moving averages for display, and where a fill's marker belongs.
import type { Bar } from '../../engine/domain/types';

/** The chart never holds more bars than this; when full it drops the oldest down to CHART_TRIM_TO. */
export const MAX_CHART_BARS = 1000;
export const CHART_TRIM_TO = 900;

export type BarMerge = 'appended' | 'replaced' | 'stale' | 'invalid';

export function isValidBar(bar: Bar): boolean {
  return [bar.t, bar.o, bar.h, bar.l, bar.c, bar.v].every(Number.isFinite) && bar.v >= 0;
}

/**
 * Merge one bar into a time-ordered buffer (mutates it). A bar with the open time of the last
 * bar replaces it (a bar still forming); a newer one appends; an older one is stale (the chart
 * series cannot take it without a full reload, and history already has it).
 */
export function mergeBar(bars: Bar[], bar: Bar): BarMerge {
  if (!isValidBar(bar)) return 'invalid';
  const last = bars[bars.length - 1];
  if (!last || bar.t > last.t) {
    bars.push(bar);
    return 'appended';
  }
  if (bar.t === last.t) {
    bars[bars.length - 1] = bar;
    return 'replaced';
  }
  return 'stale';
}

/** Drop the oldest bars once over `max`; true when it dropped any. */
export function trimBars(bars: Bar[], max = MAX_CHART_BARS, trimTo = CHART_TRIM_TO): boolean {
  if (bars.length <= max) return false;
  bars.splice(0, bars.length - trimTo);
  return true;
}

/** Simple moving average of closes ending at `index`, or null before `period` bars exist. */
export function smaAt(bars: readonly Bar[], period: number, index: number): number | null {
  if (period < 1 || index < period - 1 || index >= bars.length) return null;
  let sum = 0;
  for (let i = index - period + 1; i <= index; i++) sum += (bars[i] as Bar).c;
  return sum / period;
}

/** The SMA line over the whole buffer, one point per bar from the `period`-th bar on. */
export function smaSeries(bars: readonly Bar[], period: number): { t: number; value: number }[] {
  const out: { t: number; value: number }[] = [];
  if (period < 1) return out;
  let sum = 0;
  for (let i = 0; i < bars.length; i++) {
    sum += (bars[i] as Bar).c;
    if (i >= period) sum -= (bars[i - period] as Bar).c;
    if (i >= period - 1) out.push({ t: (bars[i] as Bar).t, value: sum / period });
  }
  return out;
}

/**
 * The open time of the bar a fill belongs to: the last bar opened at or before the fill. A fill
 * newer than every bar sits on the last bar; one older than the first bar has no place (null).
 */
export function barTimeForFill(bars: readonly Bar[], fillTime: number): number | null {
  if (bars.length === 0 || fillTime < (bars[0] as Bar).t) return null;
  let lo = 0;
  let hi = bars.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((bars[mid] as Bar).t <= fillTime) lo = mid;
    else hi = mid - 1;
  }
  return (bars[lo] as Bar).t;
}

/**
 * The chart redraws at most this often. A bar a minute is drawn at the next frame as before; a
 * full-speed simulator (thousands of bars a second on this symbol) would otherwise have every
 * frame reset four series of a thousand points and repaint: in the soak the page's main thread
 * was idle 2.0 s of 8 with it, 4.6 s without, and the engine on the same two cores waits for
 * every core the browser takes. Ten redraws a second still reads as motion on a chart this fast.
 */
export const CHART_MIN_REDRAW_MS = 100;

/** How long to wait before asking for the next chart frame, given when the last one was drawn. */
export function redrawDelayMs(lastFlushAt: number, now: number): number {
  return Math.max(0, lastFlushAt + CHART_MIN_REDRAW_MS - now);
}
