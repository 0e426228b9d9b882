// Import a CSV by its path on the machine running the supervisor (the host reads the file):
// a refused file shows every affected line; repair is an explicit choice.
import { useState, type FormEvent } from 'react';
import type { LabImportResult } from '../../engine/api/lab';
import { importCsv, loadDatasets } from './actions';
import { patchDraft } from './formDraft';

export function ImportCsv() {
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [repair, setRepair] = useState(false);
  const [replace, setReplace] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<LabImportResult | null>(null);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setReport(null);
    const r = await importCsv({ path: path.trim(), repair, replace, ...(name.trim() ? { name: name.trim() } : {}) });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setReport(r.value);
    if (r.value.status === 'imported') {
      await loadDatasets();
      patchDraft({ dataset: r.value.dataset.id });
    }
  }

  return (
    <form className="lab-import" onSubmit={submit} aria-label="Import CSV">
      <label className="wide">
        CSV path on this machine
        <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/data/GOOG.csv" data-testid="lab-import-path" />
      </label>
      <label>
        Dataset name (optional)
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="from the file name" />
      </label>
      <div className="lab-checks">
        <label className="check">
          <input type="checkbox" checked={repair} onChange={(e) => setRepair(e.target.checked)} /> Repair (drop bad lines, each reported)
        </label>
        <label className="check">
          <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} /> Replace a dataset of that name
        </label>
      </div>
      <button type="submit" className="btn" disabled={busy || path.trim() === ''}>
        {busy ? 'Importing…' : 'Import CSV'}
      </button>
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      {report && <ImportReport report={report} />}
    </form>
  );
}

function ImportReport(props: { report: LabImportResult }) {
  const r = props.report;
  return (
    <div className="lab-import-report" data-testid="lab-import-report" data-status={r.status}>
      {r.status === 'imported' ? (
        <p className="inline-ok">
          Imported {r.dataset.name}: {r.dataset.bars.toLocaleString('en-US')} bars{r.issueCount ? `, ${r.issueCount} line(s) reported` : ''}.
        </p>
      ) : (
        <p className="inline-error" role="alert">
          {r.message}
        </p>
      )}
      {r.issues.length > 0 && (
        <div className="lab-issues">
          <table className="data-table">
            <thead>
              <tr>
                <th className="num">Line</th>
                <th>Problem</th>
                <th>Action</th>
              </tr>
            </thead>
            <tbody>
              {r.issues.map((i) => (
                <tr key={`${i.line}-${i.kind}`}>
                  <td className="num">{i.line}</td>
                  <td className="reason">{i.message}</td>
                  <td>{i.action}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {r.issueCount > r.issues.length && <p className="muted">… and {r.issueCount - r.issues.length} more.</p>}
        </div>
      )}
    </div>
  );
}
