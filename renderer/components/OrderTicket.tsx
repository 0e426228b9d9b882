// A manual order ticket. The engine validates and risk-checks it; its refusal is shown inline.
import { useState, type FormEvent } from 'react';
import type { RequestInput } from '../../engine/api/contract';
import type { OrderType, Side } from '../../engine/domain/types';
import { submitOrder } from '../actions';
import { price, quantity } from '../format';
import { useChartStore } from '../store/chart';

type Outcome = { kind: 'error'; message: string } | { kind: 'sent'; message: string } | null;

/** Read a number field; empty or non-numeric text is a user error named here, not a NaN sent on. */
function readNumber(text: string, field: string): { ok: true; value: number } | { ok: false; message: string } {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value)) return { ok: false, message: `enter a number for ${field}` };
  return { ok: true, value };
}

export function OrderTicket() {
  const instruments = useChartStore((s) => s.instruments);
  const chartSymbol = useChartStore((s) => s.selectedSymbol);
  const [symbol, setSymbol] = useState<string | null>(null);
  const [side, setSide] = useState<Side>('buy');
  const [qtyText, setQtyText] = useState('1');
  const [type, setType] = useState<Extract<OrderType, 'market' | 'limit'>>('market');
  const [limitText, setLimitText] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const effectiveSymbol = symbol ?? chartSymbol ?? instruments[0]?.symbol ?? '';

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    const qty = readNumber(qtyText, 'quantity');
    if (!qty.ok) return setOutcome({ kind: 'error', message: qty.message });
    let input: RequestInput<'orders:submit'> = { symbol: effectiveSymbol, side, qty: qty.value, type: 'market' };
    if (type === 'limit') {
      const limit = readNumber(limitText, 'limit price');
      if (!limit.ok) return setOutcome({ kind: 'error', message: limit.message });
      input = { ...input, type: 'limit', limitPrice: limit.value };
    }
    setBusy(true);
    setOutcome(null);
    const result = await submitOrder(input);
    setBusy(false);
    if (result.ok) {
      const o = result.value;
      setOutcome({
        kind: 'sent',
        message: `${o.side.toUpperCase()} ${quantity(o.qty)} ${o.symbol}${o.limitPrice !== null ? ` @ ${price(o.limitPrice)}` : ''}: ${o.status.replace('_', ' ')}`,
      });
    } else {
      setOutcome({ kind: 'error', message: result.error.message });
    }
  }

  return (
    <section className="panel ticket-panel" aria-label="Order ticket">
      <div className="panel-head">
        <h2>Manual order</h2>
      </div>
      <form className="ticket" onSubmit={submit}>
        <div className="side-toggle" role="group" aria-label="Side">
          <button type="button" className={`btn side-btn buy ${side === 'buy' ? 'on' : ''}`} aria-pressed={side === 'buy'} onClick={() => setSide('buy')}>
            Buy
          </button>
          <button type="button" className={`btn side-btn sell ${side === 'sell' ? 'on' : ''}`} aria-pressed={side === 'sell'} onClick={() => setSide('sell')}>
            Sell
          </button>
        </div>
        <label>
          Symbol
          <select aria-label="Ticket symbol" value={effectiveSymbol} onChange={(e) => setSymbol(e.target.value)}>
            {instruments.map((i) => (
              <option key={i.symbol} value={i.symbol}>
                {i.symbol}
              </option>
            ))}
          </select>
        </label>
        <label>
          Quantity
          <input aria-label="Quantity" inputMode="decimal" value={qtyText} onChange={(e) => setQtyText(e.target.value)} />
        </label>
        <label>
          Type
          <select aria-label="Order type" value={type} onChange={(e) => setType(e.target.value === 'limit' ? 'limit' : 'market')}>
            <option value="market">market</option>
            <option value="limit">limit</option>
          </select>
        </label>
        {type === 'limit' && (
          <label>
            Limit price
            <input aria-label="Limit price" inputMode="decimal" value={limitText} onChange={(e) => setLimitText(e.target.value)} />
          </label>
        )}
        <button type="submit" className={`btn btn-submit ${side}`} disabled={busy || !effectiveSymbol}>
          {busy ? 'Sending…' : `${side === 'buy' ? 'Buy' : 'Sell'} ${qtyText.trim() || '?'} ${effectiveSymbol}`}
        </button>
        {outcome?.kind === 'error' && (
          <p className="inline-error" role="alert" data-testid="ticket-error">
            {outcome.message}
          </p>
        )}
        {outcome?.kind === 'sent' && (
          <p className="inline-ok" data-testid="ticket-result">
            {outcome.message}
          </p>
        )}
      </form>
    </section>
  );
}
