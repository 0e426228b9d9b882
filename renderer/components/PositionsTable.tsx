// Open positions with their entry, last price and P&L.
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
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
