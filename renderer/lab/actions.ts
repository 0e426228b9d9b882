// The Lab's requests. Loads update the lab slice; commands return the Result so a form can show
// a refusal inline (the message names the field and its range); failures of background loads
// are toasted.
import type { RequestInput, Result, ResultTypes } from '../../engine/api/contract';
import type { LabResult } from '../../engine/api/lab';
import { api } from '../api';
import { pushToast } from '../store/toasts';
import { applyProgress, toggleCompare, upsertResult, useLabStore } from './store';

function failed(title: string, r: Result<unknown>): void {
  if (!r.ok) pushToast('error', title, r.error.message);
}

export async function loadCatalogue(): Promise<void> {
  const r = await api.request('lab:catalogue', {});
  if (r.ok) useLabStore.setState({ catalogue: r.value });
  else failed('Could not load the strategy catalogue', r);
}

export async function loadDatasets(): Promise<void> {
  const r = await api.request('lab:datasets', {});
  if (r.ok) useLabStore.setState({ datasets: r.value });
  else failed('Could not load the lab datasets', r);
}

export async function loadResults(): Promise<void> {
  const r = await api.request('lab:results', { limit: 500 });
  if (!r.ok) return failed('Could not load saved lab results', r);
  const ids = new Set(r.value.map((x) => x.id));
  useLabStore.setState((s) => ({
    results: r.value,
    compare: s.compare.filter((id) => ids.has(id)),
    // a result deleted elsewhere leaves the screen too
    open: {
      backtest: s.open.backtest && ids.has(s.open.backtest.summary.id) ? s.open.backtest : null,
      'walk-forward': s.open['walk-forward'] && ids.has(s.open['walk-forward'].summary.id) ? s.open['walk-forward'] : null,
      sweep: s.open.sweep && ids.has(s.open.sweep.summary.id) ? s.open.sweep : null,
    },
  }));
}

/** loads a saved result and shows it in its kind's view */
export async function openResult(id: string): Promise<LabResult | null> {
  const r = await api.request('lab:result', { id });
  if (!r.ok) {
    failed('Could not open the lab result', r);
    return null;
  }
  const result = r.value;
  useLabStore.setState((s) => ({ open: { ...s.open, [result.kind]: result }, results: upsertResult(s.results, result.summary) }));
  return result;
}

export function importCsv(input: RequestInput<'lab:import_csv'>): Promise<Result<ResultTypes['lab:import_csv']>> {
  return api.request('lab:import_csv', input);
}

export function runBacktest(input: RequestInput<'lab:run_backtest'>): Promise<Result<ResultTypes['lab:run_backtest']>> {
  return startRun(api.request('lab:run_backtest', input));
}

export function runWalkForward(input: RequestInput<'lab:run_walk_forward'>): Promise<Result<ResultTypes['lab:run_walk_forward']>> {
  return startRun(api.request('lab:run_walk_forward', input));
}

export function runSweep(input: RequestInput<'lab:run_sweep'>): Promise<Result<ResultTypes['lab:run_sweep']>> {
  return startRun(api.request('lab:run_sweep', input));
}

/** the started run shows at once, even before its first progress event */
async function startRun(pending: Promise<Result<ResultTypes['lab:run_backtest']>>): Promise<Result<ResultTypes['lab:run_backtest']>> {
  const r = await pending;
  if (r.ok) {
    const run = r.value;
    // its events may have come first (even its end, on a fast run): never step back
    useLabStore.setState((s) => (s.runs[run.kind]?.runId === run.runId || s.finished[run.kind]?.runId === run.runId ? {} : applyProgress(s, run)));
  }
  return r;
}

export async function cancelRun(runId: string): Promise<void> {
  failed('Cancel failed', await api.request('lab:cancel', { runId }));
}

export async function deleteResult(id: string): Promise<void> {
  const r = await api.request('lab:delete_result', { id });
  if (!r.ok) return failed('Delete failed', r);
  useLabStore.setState((s) => ({
    results: s.results.filter((x) => x.id !== id),
    compare: s.compare.filter((x) => x !== id),
  }));
}

export async function deleteDataset(dataset: string): Promise<void> {
  const r = await api.request('lab:delete_dataset', { dataset });
  if (!r.ok) return failed('Delete failed', r);
  useLabStore.setState((s) => ({ datasets: s.datasets.filter((d) => d.id !== dataset) }));
}

export function chooseForComparison(id: string): void {
  useLabStore.setState((s) => toggleCompare(s, id));
}

/** picks up runs already in progress (a reload mid-run) */
export async function loadRuns(): Promise<void> {
  const r = await api.request('lab:runs', {});
  if (!r.ok) return;
  useLabStore.setState((s) => {
    const runs = { ...s.runs };
    for (const run of r.value) runs[run.kind] = run;
    return { runs };
  });
}
