// Long lists on a screen the user switches to: render the first rows in the commit that mounts
// the screen and the rest in a background render right after.
import { useDeferredValue } from 'react';

/**
 * Rows a mounting list renders first. In the soak (full-speed simulator, autonomous), switching
 * to "Orders & audit" mounted 500 audit rows and 100 order rows in one commit: 44-95 ms from the
 * click to the frame. The first screenful keeps that commit short.
 */
export const FIRST_ROWS = 40;

/**
 * How many of `total` rows to render now: at most `first` in the commit that mounts the list,
 * then all of them in a deferred render (React's useDeferredValue with an initial value): it runs
 * after the first frame is painted, and a click or key press interrupts it, so the screen
 * answers input at once and the rows below the fold arrive a frame later.
 */
export function useProgressiveCount(total: number, first = FIRST_ROWS): number {
  return useDeferredValue(total, Math.min(total, first));
}
