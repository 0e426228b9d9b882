// The readiness checklist: what must hold before autonomous trading, with evidence and a fix.
import type { ReadinessStatus } from '../../engine/domain/types';
import { assertNever } from '../assertNever';
import { overallReadiness, useReadinessStore } from '../store/readiness';

function icon(status: ReadinessStatus): string {
  switch (status) {
    case 'pass':
      return '✓';
    case 'warn':
      return '!';
    case 'fail':
      return '✗';
    default:
      return assertNever(status);
  }
}

export function ReadinessPanel() {
  const items = useReadinessStore((s) => s.items);
  const overall = overallReadiness(items);
  return (
    <section className="panel readiness-panel" aria-label="Readiness checklist">
      <div className="panel-head">
        <h2>Readiness</h2>
        {overall && <span className={`readiness-overall rs-${overall}`}>{overall}</span>}
      </div>
      {items.length === 0 ? (
        <p className="empty">No readiness checks reported yet.</p>
      ) : (
        <ul className="readiness-list">
          {items.map((item) => (
            <li key={item.id} className={`readiness-item rs-${item.status}`} data-testid="readiness-item" data-item-id={item.id} data-status={item.status}>
              <span className="rs-icon" aria-label={item.status}>
                {icon(item.status)}
              </span>
              <div>
                <div className="rs-label">{item.label}</div>
                <div className="rs-evidence">{item.evidence}</div>
                {item.status !== 'pass' && item.fix && <div className="rs-fix">Fix: {item.fix}</div>}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
