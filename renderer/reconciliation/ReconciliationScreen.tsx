// The Reconciliation screen: every difference the engine found between its journal and the
// broker, with the journal's and the broker's quantities side by side and the three choices per
// item (Adopt: take the broker's word into the journal; Ignore: leave it, knowingly; Close: flatten
// it at the broker). Resolved items stay listed with what was done. "Check again" compares anew.
import { useState } from 'react';
import type { ReconciliationAction, ReconciliationItem } from '../../engine/domain/types';
import { assertNever } from '../assertNever';
import { dateTime } from '../format';
import { checkAgain, resolveItem } from './actions';
import { unresolvedItems, useReconciliationStore } from './store';
import './reconciliation.css';

const ACTIONS: ReconciliationAction[] = ['adopt', 'ignore', 'close'];

function actionLabel(a: ReconciliationAction): string {
  switch (a) {
    case 'adopt':
      return 'Adopt';
    case 'ignore':
      return 'Ignore';
    case 'close':
      return 'Close';
    default:
      return assertNever(a);
  }
}

/** What each choice does to this kind of item, for the button's tooltip. */
function actionHelp(item: ReconciliationItem, a: ReconciliationAction): string {
  const position = item.kind === 'position';
  switch (a) {
    case 'adopt':
      return position ? `Set the journal's ${item.symbol} position to the broker's ${item.brokerQty}` : 'Journal this order as one placed outside the app, and follow it';
    case 'ignore':
      return 'Leave the difference as it is, knowingly (asked again only if it changes)';
    case 'close':
      return position ? `Adopt the broker's ${item.brokerQty} ${item.symbol}, then close it at the broker with a market order` : 'Cancel this order at the broker';
    default:
      return assertNever(a);
  }
}

function qty(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(6).replace(/0+$/, '');
}

function ItemRow(props: { item: ReconciliationItem }) {
  const { item } = props;
  const [busy, setBusy] = useState<ReconciliationAction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const resolved = item.resolution;
  return (
    <li className={`reconcile-item ${resolved ? 'reconcile-resolved' : 'reconcile-open'}`} data-testid="reconcile-item" data-id={item.id} data-resolved={resolved ? resolved.action : ''}>
      <div className="reconcile-main">
        <span className={`reconcile-kind kind-${item.kind}`}>{item.kind === 'position' ? 'Position' : 'Order'}</span>
        <span className="reconcile-symbol">{item.symbol}</span>
        <span className="reconcile-description">{item.description}</span>
      </div>
      <dl className="reconcile-qty">
        <div>
          <dt>Journal</dt>
          <dd data-testid="journal-qty">{qty(item.journalQty)}</dd>
        </div>
        <div>
          <dt>Broker</dt>
          <dd data-testid="broker-qty">{qty(item.brokerQty)}</dd>
        </div>
        {item.brokerAvgPrice !== null && (
          <div>
            <dt>Broker avg price</dt>
            <dd>{item.brokerAvgPrice.toFixed(2)}</dd>
          </div>
        )}
        <div>
          <dt>Found</dt>
          <dd>{dateTime(item.foundAt)}</dd>
        </div>
      </dl>
      {resolved ? (
        <p className="reconcile-resolution" data-testid="reconcile-resolution">
          <strong>{actionLabel(resolved.action)}</strong> {dateTime(resolved.at)}: {resolved.detail}
        </p>
      ) : (
        <div className="reconcile-actions">
          {ACTIONS.map((a) => (
            <button
              key={a}
              type="button"
              className={`btn ${a === 'close' ? 'btn-reject' : a === 'adopt' ? 'btn-primary' : ''}`}
              title={actionHelp(item, a)}
              disabled={busy !== null}
              onClick={async () => {
                setBusy(a);
                setError(null);
                const r = await resolveItem(item.id, a);
                setBusy(null);
                if (!r.ok) setError(r.error.message);
              }}
            >
              {busy === a ? `${actionLabel(a)}…` : actionLabel(a)}
            </button>
          ))}
          {error && (
            <span className="reconcile-error" role="alert">
              {error}
            </span>
          )}
        </div>
      )}
    </li>
  );
}

export function ReconciliationScreen() {
  const items = useReconciliationStore((s) => s.items);
  const open = unresolvedItems(items);
  const [checking, setChecking] = useState(false);
  return (
    <div className="screen reconciliation-screen">
      <section className="panel" aria-label="Reconciliation">
        <div className="panel-head">
          <h2>Reconciliation with the broker</h2>
          <span className={open.length > 0 ? 'reconcile-status-open' : 'reconcile-status-clean'} data-testid="reconcile-status">
            {open.length > 0
              ? `${open.length} unresolved: autonomous mode is locked until each is adopted, ignored or closed`
              : items.length > 0
                ? 'All differences resolved: autonomous mode is unlocked'
                : 'The journal matches the broker'}
          </span>
          <button
            type="button"
            className="btn"
            disabled={checking}
            onClick={async () => {
              setChecking(true);
              await checkAgain();
              setChecking(false);
            }}
          >
            {checking ? 'Checking…' : 'Check again'}
          </button>
        </div>
        <p className="reconcile-intro muted">
          At every start, every minute and after the broker connection comes back, the journal is compared with the broker. Fills that happened while the app
          was away are applied by themselves; anything else is listed here for you to decide.
        </p>
        {items.length === 0 ? (
          <p className="empty">No differences.</p>
        ) : (
          <ul className="reconcile-list">
            {[...open, ...items.filter((i) => i.resolution !== null)].map((i) => (
              <ItemRow key={i.id} item={i} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
