// Proposed trades waiting for a decision, oldest first, each with its countdown, the reason,
// the sizing arithmetic, every risk check with its value and limit, and the indicator values
// behind it. Above them, "Approve next N": a step toward autonomy that the engine counts down.
import { useState, type FormEvent } from 'react';
import type { Approval, RiskCheckResult } from '../../engine/domain/types';
import { approve, approveNext, reject } from '../actions';
import { countdown, money, price, quantity } from '../format';
import { useNow } from '../hooks/useNow';
import { checkFigures } from '../riskChecks';
import { APPROVE_NEXT_MAX, msUntilExpiry, parseApproveNext, pendingApprovals, useApprovalsStore } from '../store/approvals';
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

function RiskChecks(props: { checks: readonly RiskCheckResult[] }) {
  return (
    <table className="risk-checks" aria-label="Risk checks">
      <thead>
        <tr>
          <th />
          <th>Check</th>
          <th>Value</th>
          <th>Limit</th>
        </tr>
      </thead>
      <tbody>
        {props.checks.map((c) => {
          const f = checkFigures(c);
          return (
            <tr key={c.rule} className={c.passed ? 'check-pass' : 'check-fail'} title={c.message} data-testid="risk-check" data-rule={c.rule}>
              <td aria-label={c.passed ? 'passed' : 'failed'}>{c.passed ? '✓' : '✗'}</td>
              <td className="check-name">{f.name}</td>
              <td className="check-value">{f.value}</td>
              <td className="check-limit">{f.limit}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ApprovalItem(props: { approval: Approval; first: boolean }) {
  const a = props.approval;
  const i = a.intent;
  const buy = i.side === 'buy';
  const failed = a.checks.filter((c) => !c.passed);
  return (
    <li className="approval-item" data-testid="approval-item" data-approval-id={a.id}>
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
      <RiskChecks checks={a.checks} />
      {failed.map((c) => (
        <p key={c.rule} className="check-fail-message">
          {c.message}
        </p>
      ))}
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

function ApproveNextControl() {
  const remaining = useApprovalsStore((s) => s.autoApproveRemaining);
  const [text, setText] = useState('1');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const n = parseApproveNext(text);

  async function send(count: number): Promise<void> {
    setBusy(true);
    setError(null);
    const result = await approveNext(count);
    setBusy(false);
    if (!result.ok) setError(result.error.message);
  }

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    if (n !== null) await send(n);
  }

  return (
    <form className="approve-next" onSubmit={submit} aria-label="Approve next proposals automatically">
      <button type="submit" className="btn btn-small" disabled={busy || n === null} title="The next N proposals are approved without a click (each still passes every risk check)">
        Approve next
      </button>
      <input
        className="approve-next-count"
        aria-label="How many proposals to approve automatically"
        inputMode="numeric"
        value={text}
        maxLength={2}
        onChange={(e) => {
          setText(e.target.value);
          setError(null);
        }}
      />
      {n === null && <span className="approve-next-hint">1–{APPROVE_NEXT_MAX}</span>}
      <span className={`approve-next-remaining ${remaining > 0 ? 'on' : ''}`} data-testid="auto-approve-remaining" data-remaining={remaining}>
        {remaining > 0 ? `${remaining} left to auto-approve` : 'every proposal waits'}
      </span>
      {remaining > 0 && (
        <button type="button" className="btn btn-small btn-reject" disabled={busy} onClick={() => void send(0)}>
          Stop
        </button>
      )}
      {error && (
        <p className="inline-error" role="alert" data-testid="approve-next-error">
          {error}
        </p>
      )}
    </form>
  );
}

export function ApprovalQueue() {
  const pending = useApprovalsStore(useShallow((s) => pendingApprovals(s.approvals)));
  return (
    <section className="panel approvals-panel" aria-label="Approval queue">
      <div className="panel-head">
        <h2>Approvals</h2>
        <span className="count">{pending.length}</span>
        <ApproveNextControl />
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
