// Open orders (each can be canceled) and, when asked, the recently finished ones.
import type { OrderRecord } from '../../engine/domain/types';
import { cancelOrder } from '../actions';
import { clockTime, price, quantity } from '../format';
import { useProgressiveCount } from '../hooks/useProgressiveCount';
import { useOrdersStore } from '../store/orders';

/** compact: the Trade screen's half-width panel, without fill price, origin and reason */
function OrderCells(props: { o: OrderRecord; compact: boolean }) {
  const o = props.o;
  return (
    <>
      <td className="muted">{clockTime(o.createdAt)}</td>
      <td className="sym">{o.symbol}</td>
      <td className={`side-text side-text-${o.side}`}>{o.side.toUpperCase()}</td>
      <td className="num">
        {quantity(o.filledQty)}/{quantity(o.qty)}
      </td>
      <td>{o.type === 'limit' ? `limit ${price(o.limitPrice)}` : o.type}</td>
      {!props.compact && <td className="num">{price(o.avgFillPrice)}</td>}
      <td>
        <span className={`order-status status-${o.status}`} title={o.statusReason ?? o.reason}>
          {o.status.replace('_', ' ')}
        </span>
      </td>
      {!props.compact && <td className="muted">{o.origin}</td>}
      {!props.compact && (
        <td className="reason" title={o.reason}>
          {o.statusReason ?? o.reason}
        </td>
      )}
    </>
  );
}

function Head(props: { withAction: boolean; compact: boolean }) {
  return (
    <thead>
      <tr>
        {props.withAction && <th />}
        <th>Time</th>
        <th>Symbol</th>
        <th>Side</th>
        <th className="num">Filled</th>
        <th>Type</th>
        {!props.compact && <th className="num">Avg fill</th>}
        <th>Status</th>
        {!props.compact && <th>Origin</th>}
        {!props.compact && <th>Why</th>}
      </tr>
    </thead>
  );
}

export function OpenOrdersTable(props: { compact?: boolean }) {
  const compact = props.compact ?? false;
  const open = useOrdersStore((s) => s.open);
  return (
    <section className="panel table-panel" aria-label="Open orders">
      <div className="panel-head">
        <h2>Open orders</h2>
        <span className="count" data-testid="open-order-count">
          {open.length}
        </span>
      </div>
      {open.length === 0 ? (
        <p className="empty">No open orders.</p>
      ) : (
        <table className="data-table">
          <Head withAction compact={compact} />
          <tbody>
            {open.map((o) => (
              <tr key={o.clientOrderId} data-testid="open-order-row">
                {/* first column, so it is never scrolled out of a narrow panel */}
                <td>
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Cancel ${o.side} ${o.qty} ${o.symbol}`}
                    disabled={o.status === 'pending_cancel'}
                    onClick={() => void cancelOrder(o.clientOrderId)}
                  >
                    Cancel
                  </button>
                </td>
                <OrderCells o={o} compact={compact} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function RecentOrdersTable() {
  const recent = useOrdersStore((s) => s.recent);
  const rendered = useProgressiveCount(recent.length);
  return (
    <section className="panel table-panel" aria-label="Recent orders">
      <div className="panel-head">
        <h2>Recent orders</h2>
        <span className="count">{recent.length}</span>
      </div>
      {recent.length === 0 ? (
        <p className="empty">No finished orders yet.</p>
      ) : (
        <table className="data-table">
          <Head withAction={false} compact={false} />
          <tbody>
            {recent.slice(0, rendered).map((o) => (
              <tr key={o.clientOrderId} data-testid="recent-order-row">
                <OrderCells o={o} compact={false} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
