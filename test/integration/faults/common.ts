// What every fault suite checks at the end (see harness.ts for the two checks themselves).
import { expect } from 'vitest';
import { describeTraces } from './harness';
import type { Outcome } from './scenarios';

/** The engine ends consistent with the emulator, and shows the user what happened. */
export function expectConsistentAndVisible(o: Outcome, visible: { alerts?: RegExp[]; audit?: RegExp[] }): void {
  expect(o.problems, 'journal vs emulator after the fault was removed').toEqual([]);
  const shown = describeTraces(o.traces);
  for (const re of visible.alerts ?? []) expect(o.traces.alerts.some((a) => re.test(`${a.kind}: ${a.message}`)), `an alert matching ${re} among:\n${shown}`).toBe(true);
  for (const re of visible.audit ?? []) expect(o.traces.audit.some((e) => re.test(e.message)), `an audit entry matching ${re} among:\n${shown}`).toBe(true);
}

