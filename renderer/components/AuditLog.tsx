// Why things happened: the audit records, newest first, filterable by kind.
import { memo, useState } from 'react';
import type { AuditEntry, AuditKind } from '../../engine/domain/types';
import { dateTime } from '../format';
import { useProgressiveCount } from '../hooks/useProgressiveCount';
import { useAuditStore } from '../store/audit';

/**
 * One record. Memoized: records never change once written and the store keeps their objects, so
 * a new record (hundreds a second in autonomous mode at full simulator speed) renders one row,
 * not the whole list.
 */
const AuditRow = memo(function AuditRow({ e }: { e: AuditEntry }) {
  return (
    <li className={`audit-entry audit-${e.kind}`} data-testid="audit-entry">
      <span className="muted">{dateTime(e.at)}</span>
      <span className="audit-kind">{e.kind.replace(/_/g, ' ')}</span>
      <span className="audit-message">{e.message}</span>
    </li>
  );
});

export function AuditLog() {
  const entries = useAuditStore((s) => s.entries);
  const [kind, setKind] = useState<AuditKind | 'all'>('all');
  const kinds = [...new Set(entries.map((e) => e.kind))].sort();
  const shown = kind === 'all' ? entries : entries.filter((e) => e.kind === kind);
  const rendered = useProgressiveCount(shown.length);
  return (
    <section className="panel audit-panel" aria-label="Audit log">
      <div className="panel-head">
        <h2>Audit log</h2>
        <select aria-label="Filter audit records" value={kind} onChange={(e) => setKind(e.target.value as AuditKind | 'all')}>
          <option value="all">all kinds</option>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <span className="count">{shown.length}</span>
      </div>
      {shown.length === 0 ? (
        <p className="empty">No audit records yet.</p>
      ) : (
        <ol className="audit-list">
          {shown.slice(0, rendered).map((e) => (
            <AuditRow key={e.id} e={e} />
          ))}
        </ol>
      )}
    </section>
  );
}
