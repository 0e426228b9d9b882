// Open positions with their entry, last price, P&L and protective exits. A local watchdog is
// marked as such: those levels are enforced by this app only while it runs, not by the broker.
import { useShallow } from 'zustand/react/shallow';
import { money, pnlClass, price, quantity, signedMoney } from '../format';
import { openPositions, usePositionsStore } from '../store/positions';

export function PositionsTable() {
  const positions = usePositionsStore(useShallow((s) => openPositions(s.positions)));
  return (
    <section className="panel table-panel" aria-label="Positions">
      <div className="panel-head">
        <h2>Positions</h2>
        <span className="count">{positions.length}</span>
      </div>
      {positions.length === 0 ? (
        <p className="empty">No open positions.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Symbol</th>
              <th className="num">Qty</th>
              <th className="num">Avg entry</th>
              <th className="num">Last</th>
              <th className="num">Value</th>
              <th className="num">Unrealized</th>
              <th className="num">Realized</th>
              <th>Protection</th>
            </tr>
          </thead>
          <tbody>
            {positions.map((p) => (
              <tr key={p.symbol} data-testid="position-row">
                <td className="sym">{p.symbol}</td>
                <td className={`num ${p.qty > 0 ? 'long' : 'short'}`}>{quantity(p.qty)}</td>
                <td className="num">{price(p.avgEntryPrice)}</td>
                <td className="num">{price(p.lastPrice)}</td>
                <td className="num">{money(p.marketValue)}</td>
                <td className={`num ${pnlClass(p.unrealizedPnl)}`}>{signedMoney(p.unrealizedPnl)}</td>
                <td className={`num ${pnlClass(p.realizedPnl)}`}>{signedMoney(p.realizedPnl)}</td>
                <td data-testid="position-protection">
                  {p.protection ? (
                    <span title={p.protection.kind === 'bracket' ? 'stop-loss and take-profit held at the broker' : 'watched by this app on every bar; not held at the broker'}>
                      stop {price(p.protection.stop)} / target {price(p.protection.target)}{' '}
                      {p.protection.kind === 'bracket' ? '(bracket)' : '(local watchdog)'}
                    </span>
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
