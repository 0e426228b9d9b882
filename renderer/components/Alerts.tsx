// Alerts: the header's indicator (how many warning/critical alerts the user has not looked at;
// a click opens the latest and marks them seen) and the full list on "Readiness & safety".
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Alert } from '../../engine/domain/types';
import { dateTime } from '../format';
import { alertKindLabel, markAlertsSeen, unseenAlerts, useAlertsStore } from '../store/alerts';

/** How many alerts the header's drop-down shows; the safety screen lists them all. */
const DROPDOWN_ALERTS = 12;

function AlertRows(props: { alerts: readonly Alert[]; seenUpToId: number }) {
  return (
    <table className="data-table alerts-table">
      <thead>
        <tr>
          <th>Level</th>
          <th>Kind</th>
          <th>Time</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {props.alerts.map((a) => (
          <tr
            key={a.id}
            className={`alert-row alert-${a.level} ${a.id > props.seenUpToId ? 'alert-unseen' : ''}`}
            data-testid="alert-row"
            data-level={a.level}
            data-kind={a.kind}
          >
            <td>
              <span className={`alert-level alert-level-${a.level}`}>{a.level}</span>
            </td>
            <td className="alert-kind">{alertKindLabel(a.kind)}</td>
            <td className="muted nowrap">{dateTime(a.at)}</td>
            <td className="alert-message">{a.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AlertsIndicator() {
  const unseen = useAlertsStore(useShallow((s) => unseenAlerts(s.alerts, s.seenUpToId)));
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    // a click anywhere else or Escape closes the drop-down
    const onDown = (e: MouseEvent) => {
      if (root.current && e.target instanceof Node && !root.current.contains(e.target)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const tone = unseen.count === 0 ? 'none' : unseen.critical ? 'critical' : 'warning';
  return (
    <div className="alerts-indicator" ref={root}>
      <button
        type="button"
        className={`alerts-button alerts-${tone}`}
        aria-label={`Alerts: ${unseen.count} unseen`}
        aria-expanded={open}
        title={unseen.count === 0 ? 'No new alerts' : `${unseen.count} new alert${unseen.count === 1 ? '' : 's'}: click to read`}
        onClick={() => {
          if (!open) markAlertsSeen();
          setOpen(!open);
        }}
      >
        <span aria-hidden="true">⚠</span>
        <span data-testid="alert-count">{unseen.count}</span>
      </button>
      {open && <AlertsDropdown onClose={() => setOpen(false)} />}
    </div>
  );
}

function AlertsDropdown(props: { onClose: () => void }) {
  const alerts = useAlertsStore(useShallow((s) => s.alerts.slice(0, DROPDOWN_ALERTS)));
  // rows opened now are read; "new" marks what arrived before this opening
  const [seenBefore] = useState(() => useAlertsStore.getState().seenUpToId);
  return (
    <div className="alerts-dropdown panel" role="dialog" aria-label="Recent alerts" data-testid="alerts-dropdown">
      <div className="panel-head">
        <h2>Recent alerts</h2>
        <span className="muted">full list on Readiness &amp; safety</span>
        <button type="button" className="btn btn-small alerts-close" onClick={props.onClose}>
          Close
        </button>
      </div>
      {alerts.length === 0 ? <p className="empty">No alerts.</p> : <AlertRows alerts={alerts} seenUpToId={seenBefore} />}
    </div>
  );
}

export function AlertsPanel() {
  const alerts = useAlertsStore((s) => s.alerts);
  const seenUpToId = useAlertsStore((s) => s.seenUpToId);
  const unseen = unseenAlerts(alerts, seenUpToId).count;
  return (
    <section className="panel alerts-panel" aria-label="Alerts">
      <div className="panel-head">
        <h2>Alerts</h2>
        <span className="count">{alerts.length}</span>
        {unseen > 0 && (
          <button type="button" className="btn btn-small" onClick={markAlertsSeen}>
            Mark {unseen} as seen
          </button>
        )}
      </div>
      {alerts.length === 0 ? (
        <p className="empty">No alerts. Breakers, a stop that did not confirm, stale data and crashes are reported here.</p>
      ) : (
        <div className="table-panel">
          <AlertRows alerts={alerts} seenUpToId={seenUpToId} />
        </div>
      )}
    </section>
  );
}
