// How the lab's events change the lab slice (the bridge spreads these into its handler map).
// Pure state updates: fetching is the Lab screen's job when it is on screen.
import type { LabEventTypes } from '../../engine/api/lab';
import { applyFinished, applyProgress, useLabStore } from './store';

type LabEventHandlers = { [E in keyof LabEventTypes]: (payload: LabEventTypes[E]) => void };

export const labEventHandlers: LabEventHandlers = {
  'lab:progress': (p) => useLabStore.setState((s) => applyProgress(s, p)),
  'lab:finished': (p) => useLabStore.setState((s) => applyFinished(s, p)),
  'lab:results_changed': () => useLabStore.setState((s) => ({ resultsEpoch: s.resultsEpoch + 1 })),
  'lab:datasets_changed': () => useLabStore.setState((s) => ({ datasetsEpoch: s.datasetsEpoch + 1 })),
};
