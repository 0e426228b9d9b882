// Manual mode: every proposed order waits here with its reason, its sizing arithmetic and its
// risk checks until the user approves or rejects it, or it expires. Approval re-checks the
// order against the current price and the current risk state before anything is sent.
import type { ApiError } from '../api/contract';
import type { Approval, OrderIntent, OrderRecord, RiskCheckResult, SizingExplanation } from '../domain/types';
import type { EngineContext } from '../context';
import type { OrderManager } from '../orders/OrderManager';
import { hashString } from '../util/rng';

/** An approved order may not have moved more than this against the user since it was proposed. */
export const MAX_PRICE_DRIFT = 0.005;

export type RecheckFn = (intent: OrderIntent, price: number) => { ok: true } | { ok: false; reason: string };
/** The intent as it should be sent at `price`: protective levels keep their distance from the entry. */
export type RepriceFn = (intent: OrderIntent, price: number) => OrderIntent;

export class ApprovalQueue {
  constructor(
    private readonly ctx: EngineContext,
    private readonly orders: OrderManager,
    private readonly recheck: RecheckFn,
    private readonly reprice: RepriceFn = (intent) => intent,
  ) {}

  pending(): Approval[] {
    return [...this.ctx.state.approvals.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  hasPendingFor(symbol: string): boolean {
    for (const a of this.ctx.state.approvals.values()) if (a.intent.symbol === symbol) return true;
    return false;
  }

  propose(intent: OrderIntent, sizing: SizingExplanation, checks: RiskCheckResult[], indicators: Record<string, number>): Approval {
    const now = this.ctx.clock.now();
    const approval: Approval = {
      id: `ap-${hashString(intent.intentKey).toString(36)}-${hashString(`x${intent.intentKey}`).toString(36)}`,
      intent,
      status: 'pending',
      sizing,
      checks,
      indicators,
      createdAt: now,
      expiresAt: now + this.ctx.state.settings.approvalTimeoutSec * 1000,
      decidedAt: null,
      decisionReason: null,
    };
    this.ctx.state.approvals.set(approval.id, approval);
    void this.ctx.write(() => this.ctx.store.saveApproval(approval), () => this.publish());
    this.ctx.audit('approval_created', `Waiting for approval: ${intent.side.toUpperCase()} ${intent.qty} ${intent.symbol} (${intent.reason})`, { approval });
    return approval;
  }

  async approve(id: string): Promise<{ ok: true; order: OrderRecord } | { ok: false; error: ApiError }> {
    const found = this.find(id);
    if (!found.ok) return found;
    const a = found.approval;
    const price = this.ctx.market.lastPrice(a.intent.symbol) ?? a.intent.refPrice;
    const drift = (price - a.intent.refPrice) / a.intent.refPrice;
    const against = a.intent.side === 'buy' ? drift : -drift;
    if (against > MAX_PRICE_DRIFT) {
      const reason = `price moved ${(against * 100).toFixed(2)}% against the order since it was proposed (${a.intent.refPrice} -> ${price}); the limit is ${(MAX_PRICE_DRIFT * 100).toFixed(1)}%`;
      this.decide(a, 'rejected', reason);
      return { ok: false, error: { code: 'risk_denied', message: `not sent: ${reason}` } };
    }
    const re = this.recheck(a.intent, price);
    if (!re.ok) {
      this.decide(a, 'rejected', re.reason);
      return { ok: false, error: { code: 'risk_denied', message: `not sent: ${re.reason}` } };
    }
    this.decide(a, 'approved', 'approved by the user');
    // the price may have moved in the order's favour since the proposal (the drift check allows
    // that): a bracket computed then could sit on the wrong side of the market now
    const res = await this.orders.submit(this.reprice(a.intent, price));
    return res.ok ? { ok: true, order: res.order } : res;
  }

  reject(id: string, reason: string | undefined): { ok: true; approval: Approval } | { ok: false; error: ApiError } {
    const found = this.find(id);
    if (!found.ok) return found;
    return { ok: true, approval: this.decide(found.approval, 'rejected', reason?.trim() || 'rejected by the user') };
  }

  /** Expire every approval past its deadline; returns how many expired. */
  expireDue(): number {
    const now = this.ctx.clock.now();
    let n = 0;
    for (const a of [...this.ctx.state.approvals.values()]) {
      if (a.expiresAt <= now) {
        this.decide(a, 'expired', `expired after ${this.ctx.state.settings.approvalTimeoutSec} s without a decision`);
        n++;
      }
    }
    return n;
  }

  /** The emergency stop clears the queue: nothing waiting may be approved into a halted engine. */
  rejectAll(reason: string): void {
    for (const a of [...this.ctx.state.approvals.values()]) this.decide(a, 'rejected', reason);
  }

  private find(id: string): { ok: true; approval: Approval } | { ok: false; error: ApiError } {
    const a = this.ctx.state.approvals.get(id);
    if (!a) return { ok: false, error: { code: 'not_found', message: `no pending approval with id ${id} (it may have expired or been decided already)` } };
    if (a.expiresAt <= this.ctx.clock.now()) {
      this.decide(a, 'expired', 'expired before it was approved');
      return { ok: false, error: { code: 'conflict', message: `approval ${id} expired before it was approved; nothing was sent` } };
    }
    return { ok: true, approval: a };
  }

  private decide(a: Approval, status: 'approved' | 'rejected' | 'expired', reason: string): Approval {
    const decided: Approval = { ...a, status, decidedAt: this.ctx.clock.now(), decisionReason: reason };
    this.ctx.state.approvals.delete(a.id);
    void this.ctx.write(() => this.ctx.store.saveApproval(decided), () => this.publish());
    const kind = status === 'approved' ? 'approval_approved' : status === 'rejected' ? 'approval_rejected' : 'approval_expired';
    this.ctx.audit(kind, `${status[0]!.toUpperCase()}${status.slice(1)}: ${a.intent.side.toUpperCase()} ${a.intent.qty} ${a.intent.symbol} (${reason})`, { approvalId: a.id });
    return decided;
  }

  private publish(): void {
    this.ctx.emit('approvals:updated', this.pending());
  }
}
