// The strategy lab: the setup form on the left; on the right the result of the chosen kind of
// run, the saved results and the comparison. Loads what it shows when it appears and whenever
// the lab's events say the datasets or results changed; a finished run opens itself.
import { useEffect } from 'react';
import type { LabRunKind } from '../../engine/api/lab';
import { assertNever } from '../assertNever';
import { useConnectionStore } from '../store/connection';
import { loadCatalogue, loadDatasets, loadResults, loadRuns, openResult } from './actions';
import { BacktestView } from './BacktestView';
import { CompareTable } from './CompareTable';
import { patchDraft, strategyDraft, useLabFormStore } from './formDraft';
import { ResultsList } from './ResultsList';
import { SweepView, WalkForwardView } from './RunTables';
import { SetupForm } from './SetupForm';
import { useLabStore } from './store';
import './lab.css';

function useLabData(): void {
  const connected = useConnectionStore((s) => s.connection.status === 'connected');
  const resultsEpoch = useLabStore((s) => s.resultsEpoch);
  const datasetsEpoch = useLabStore((s) => s.datasetsEpoch);
  const catalogue = useLabStore((s) => s.catalogue);
  const datasets = useLabStore((s) => s.datasets);

  useEffect(() => {
    if (!connected) return;
    void loadCatalogue();
    void loadRuns();
  }, [connected]);
  useEffect(() => {
    if (connected) void loadResults();
  }, [connected, resultsEpoch]);
  useEffect(() => {
    if (connected) void loadDatasets();
  }, [connected, datasetsEpoch]);

  // sensible first choices once the catalogue and the data are known
  useEffect(() => {
    const d = useLabFormStore.getState().draft;
    const first = catalogue?.strategies[0];
    if (!d.strategyId && first) patchDraft({ strategyId: first.id, ...strategyDraft(first.params) });
  }, [catalogue]);
  useEffect(() => {
    const d = useLabFormStore.getState().draft;
    if ((!d.dataset || !datasets.some((x) => x.id === d.dataset)) && datasets[0]) patchDraft({ dataset: datasets[0].id });
  }, [datasets]);
}

/** a run that ends with a saved result opens it in its kind's view */
function useOpenFinished(kind: LabRunKind): void {
  const finished = useLabStore((s) => s.finished[kind]);
  useEffect(() => {
    if (finished?.status === 'done' && finished.result) void openResult(finished.result.id);
  }, [finished]);
}

function ResultView(props: { kind: LabRunKind }) {
  const open = useLabStore((s) => s.open[props.kind]);
  if (!open) return <p className="empty lab-placeholder">Run a {props.kind}, or open a saved one below.</p>;
  switch (open.kind) {
    case 'backtest':
      return <BacktestView result={open} />;
    case 'walk-forward':
      return <WalkForwardView result={open} />;
    case 'sweep':
      return <SweepView result={open} />;
    default:
      return assertNever(open);
  }
}

export function LabScreen() {
  useLabData();
  useOpenFinished('backtest');
  useOpenFinished('walk-forward');
  useOpenFinished('sweep');
  const mode = useLabFormStore((s) => s.draft.mode);
  return (
    <div className="screen lab-screen">
      <aside className="panel lab-side" aria-label="Lab setup">
        <div className="panel-head">
          <h2>Strategy lab</h2>
        </div>
        <SetupForm />
      </aside>
      <div className="lab-main">
        <ResultView kind={mode} />
        <CompareTable />
        <ResultsList />
      </div>
    </div>
  );
}
