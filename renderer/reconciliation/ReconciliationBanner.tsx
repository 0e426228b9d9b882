// On every screen while any reconciliation difference is unresolved: says that autonomous mode is
// locked and until when, and links to the Reconciliation screen.
import { unresolvedItems, useReconciliationStore } from './store';
import './reconciliation.css';

export function ReconciliationBanner(props: { onOpen: () => void }) {
  const open = useReconciliationStore((s) => unresolvedItems(s.items).length);
  if (open === 0) return null;
  return (
    <div className="reconcile-banner" role="status" data-testid="reconcile-banner">
      <span>
        <strong>
          {open} difference{open === 1 ? '' : 's'} with the broker.
        </strong>{' '}
        Autonomous mode is locked until {open === 1 ? 'it is' : 'each is'} adopted, ignored or closed.
      </span>
      <button type="button" className="btn btn-warn btn-small" onClick={props.onOpen}>
        Review differences
      </button>
    </div>
  );
}
