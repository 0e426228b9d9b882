// Proposed trades waiting for a decision, oldest first, each with its countdown, the reason,
// the sizing arithmetic, the risk checks and the indicator values behind it.
import type { Approval } from '../../engine/domain/types';
import { approve, reject } from '../actions';
import { countdown, money, price, quantity } from '../format';
import { useNow } from '../hooks/useNow';
import { msUntilExpiry, pendingApprovals, useApprovalsStore } from '../store/approvals';
import { useConnectionStore } from '../store/connection';
import { useShallow } from 'zustand/react/shallow';

function Countdown(props: { approval: Approval }) {
  const now = useNow(250);
  const offset = useConnectionStore((s) => s.serverClockOffsetMs);
  const left = msUntilExpiry(props.approval, now, offset);
  const urgent = left < 10_000;
  return (
    <span className={`countdown ${urgent ? 'countdown-urgent' : ''}`} data-testid="approval-countdown" title="Time left to decide">
      {left === 0 ? 'expired' : countdown(left)}
    </span>
  );
}

function ApprovalItem(props: { approval: Approval; first: boolean }) {
  const a = props.approval;
  const i = a.intent;
  const buy = i.side === 'buy';
  return (
    <li className="approval-item" data-testid="approval-item">
      <div className="approval-head">
        <span className={`side side-${i.side}`}>{buy ? 'BUY' : 'SELL'}</span>
        <span className="approval-title">
          {quantity(i.qty)} {i.symbol} {i.type === 'limit' && i.limitPrice !== null ? `limit ${price(i.limitPrice)}` : 'market'}
        </span>
        <span className="approval-notional">≈ {money(i.qty * i.refPrice)}</span>
        <Countdown approval={a} />
      </div>
      <p className="approval-reason">{i.reason}</p>
      <p className="approval-sizing">{a.sizing.text}</p>
      {Object.keys(a.indicators).length > 0 && (
        <dl className="approval-indicators">
          {Object.entries(a.indicators).map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{price(value)}</dd>
            </div>
          ))}
        </dl>
      )}
      <ul className="risk-checks">
        {a.checks.map((c) => (
          <li key={c.rule} className={c.passed ? 'check-pass' : 'check-fail'} title={`value ${c.value}, limit ${c.limit}`}>
            <span aria-hidden="true">{c.passed ? '✓' : '✗'}</span> {c.message}
          </li>
        ))}
      </ul>
      <div className="approval-actions">
        <button type="button" className="btn btn-approve" onClick={() => void approve(a.id)}>
          Approve
        </button>
        <button type="button" className="btn btn-reject" onClick={() => void reject(a.id)}>
          Reject
        </button>
        {props.first && <span className="hint">A / R</span>}
      </div>
    </li>
  );
}

export function ApprovalQueue() {
  const pending = useApprovalsStore(useShallow((s) => pendingApprovals(s.approvals)));
  return (
    <section className="panel approvals-panel" aria-label="Approval queue">
      <div className="panel-head">
        <h2>Approvals</h2>
        <span className="count">{pending.length}</span>
      </div>
      {pending.length === 0 ? (
        <p className="empty">Nothing waiting. In manual mode every proposed trade appears here first.</p>
      ) : (
        <ul className="approval-list">
          {pending.map((a, k) => (
            <ApprovalItem key={a.id} approval={a} first={k === 0} />
          ))}
        </ul>
      )}
    </section>
  );
}
