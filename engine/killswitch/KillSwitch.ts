// The emergency stop. One call: halt (durable before anything else), cancel every open order
// (broker cancel-all, then per order for any that remain), optionally close every position,
// then poll the broker until it confirms zero open orders (and zero positions when flattening).
// Every step is reported with its times, retried with backoff when it fails, and never hidden.
// The halt is latched: it survives restarts until re-armed with a reason.
import type { StopReport, StopStep, StopStepName, TradingStateRecord } from '../domain/types';
import type { EngineContext } from '../context';
import type { BrokerResult } from '../ports';
import type { ApprovalQueue } from '../supervisor/ApprovalQueue';
import type { OrderManager } from '../orders/OrderManager';

export type StopSource = StopReport['source'];

export interface KillSwitchOptions {
  /** how long to wait for the broker to confirm before reporting failure */
  confirmTimeoutMs?: number;
  maxAttempts?: number;
  /** first retry delay; doubles each attempt */
  backoffMs?: number;
  pollMs?: number;
}

/** Timings of the latest stop, in milliseconds from the request's arrival (for benchmarks). */
export interface StopTimings {
  haltDurableMs: number;
  cancelsIssuedMs: number;
  confirmedMs: number | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nowMs = () => performance.now();

export class KillSwitch {
  private running: Promise<StopReport> | null = null;
  private runningReport: StopReport | null = null;
  lastTimings: StopTimings | null = null;
  private readonly confirmTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly ctx: EngineContext,
    private readonly orders: OrderManager,
    private readonly approvals: ApprovalQueue,
    opts: KillSwitchOptions = {},
  ) {
    this.confirmTimeoutMs = opts.confirmTimeoutMs ?? 10_000;
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.backoffMs = opts.backoffMs ?? 100;
    this.pollMs = opts.pollMs ?? 25;
  }

  /**
   * Engage. Resolves when the sequence has ended (confirmed or failed). `onHalted` fires as soon as
   * the halt is durable and the cancels are issued, so a caller can answer the user at once.
   */
  engage(source: StopSource, flatten: boolean): Promise<StopReport> {
    if (this.running && this.runningReport) return Promise.resolve(this.runningReport);
    const st = this.ctx.state;
    const alreadyStopped =
      st.tradingState.state === 'halted' &&
      st.tradingState.latched &&
      st.openOrders.size === 0 &&
      (!flatten || st.positions.size === 0) &&
      st.lastStop?.status === 'confirmed';
    if (alreadyStopped) return Promise.resolve(this.noop(source, flatten));
    this.running = this.run(source, flatten).finally(() => {
      this.running = null;
      this.runningReport = null;
    });
    return this.running;
  }

  /** The report of the stop in progress, if any. */
  get inProgress(): StopReport | null {
    return this.runningReport;
  }

  private noop(source: StopSource, flatten: boolean): StopReport {
    const t = this.ctx.clock.now();
    const st = this.ctx.state.tradingState;
    const report: StopReport = {
      id: `stop-${t}-noop`,
      source,
      flatten,
      requestedAt: t,
      status: 'noop',
      steps: (['halt', 'cancel_orders', 'flatten', 'confirm'] as StopStepName[]).map((name) => ({
        name,
        status: 'skipped',
        startedAt: null,
        endedAt: null,
        attempts: 0,
        detail: 'already stopped',
      })),
      openOrdersRemaining: 0,
      positionsRemaining: this.ctx.state.positions.size,
      finishedAt: t,
    };
    this.ctx.audit('killswitch', `Emergency stop (${source}) requested while already halted since ${new Date(st.at).toISOString()} by ${st.setBy}: nothing to do`, { report });
    this.ctx.emit('killswitch:progress', report);
    return report;
  }

  private async run(source: StopSource, flatten: boolean): Promise<StopReport> {
    const { ctx } = this;
    const t0 = nowMs();
    const requestedAt = ctx.clock.now();
    const report: StopReport = {
      id: `stop-${requestedAt}`,
      source,
      flatten,
      requestedAt,
      status: 'running',
      steps: (['halt', 'cancel_orders', 'flatten', 'confirm'] as StopStepName[]).map((name) => ({
        name,
        status: name === 'flatten' && !flatten ? 'skipped' : 'pending',
        startedAt: null,
        endedAt: null,
        attempts: 0,
        detail: name === 'flatten' && !flatten ? 'flatten not armed' : '',
      })),
      openOrdersRemaining: null,
      positionsRemaining: null,
      finishedAt: null,
    };
    this.runningReport = report;
    const step = (name: StopStepName) => report.steps.find((s) => s.name === name) as StopStep;

    // 1. Halt, durably, before anything else happens.
    const halt = step('halt');
    halt.status = 'running';
    halt.startedAt = ctx.clock.now();
    const rec: TradingStateRecord = {
      state: 'halted',
      setBy: source === 'cli' ? 'cli' : source === 'breaker' ? 'breaker' : 'killswitch',
      reason: `emergency stop (${source}${flatten ? ', flatten' : ''})`,
      at: requestedAt,
      latched: true,
    };
    // A disk that refuses writes (full, read-only) must not stop the stop: the halt then holds
    // in memory, the cancels still go out, and the report says the halt was not saved. The
    // engine saves it with its first commit that goes through (Engine.commit).
    let haltUnsaved: string | null = null;
    try {
      ctx.store.saveTradingState(rec);
    } catch (e) {
      haltUnsaved = e instanceof Error ? e.message : String(e);
      // queued so that the engine sees the refusal too (its storage-failure halt and alert)
      void ctx.write(() => ctx.store.saveTradingState(rec));
    }
    ctx.state.tradingState = rec;
    ctx.state.mode = 'manual';
    const haltDurableMs = nowMs() - t0;

    // 2. Cancel: issue the broker's cancel-all at once, then mark our journal in one transaction.
    const cancel = step('cancel_orders');
    cancel.status = 'running';
    cancel.startedAt = ctx.clock.now();
    cancel.attempts = 1;
    const openAtStop = [...ctx.state.openOrders.keys()];
    const cancelAll = ctx.broker.cancelAllOrders();
    const cancelsIssuedMs = nowMs() - t0;
    this.lastTimings = { haltDurableMs, cancelsIssuedMs, confirmedMs: null };

    halt.status = 'done';
    halt.endedAt = ctx.clock.now();
    halt.detail =
      haltUnsaved === null
        ? `halted and latched in ${haltDurableMs.toFixed(2)} ms`
        : `halted and latched in memory only: the halt could not be saved (${haltUnsaved}); it is lost if the app stops before the disk accepts writes again`;
    const t = ctx.clock.now();
    try {
      ctx.store.updateOrders(
        openAtStop
          .filter((id) => ctx.state.openOrders.get(id)?.status !== 'pending_submit')
          .map((clientOrderId) => ({ clientOrderId, patch: { status: 'pending_cancel' as const, statusReason: 'emergency stop', updatedAt: t } })),
      );
    } catch (e) {
      // the broker's answers (cancel events, the next reconciliation) bring the journal up to date
      ctx.log('error', 'the emergency stop could not mark the open orders as cancelling in the journal', e);
    }
    for (const id of openAtStop) {
      const o = ctx.state.openOrders.get(id);
      if (o && o.status !== 'pending_submit') ctx.state.openOrders.set(id, { ...o, status: 'pending_cancel', statusReason: 'emergency stop', updatedAt: t });
    }
    this.approvals.rejectAll('emergency stop');
    ctx.emit('engine:status', { tradingState: rec, mode: 'manual', broker: ctx.broker.status });
    this.publish(report);
    ctx.audit('killswitch', `Emergency stop (${source}): halted; cancelling ${openAtStop.length} open orders${flatten ? ' and closing every position' : ''}`, { openOrders: openAtStop.length, haltDurableMs, cancelsIssuedMs });

    const first = await cancelAll;
    if (!first.ok) cancel.detail = `cancel-all failed (${first.message}); cancelling one by one`;
    await this.retry(cancel, async () => {
      const open = await ctx.broker.listOpenOrders();
      if (!open.ok) return open;
      if (open.value.length === 0) return { ok: true, value: undefined };
      const results = await Promise.all(open.value.map((o) => ctx.broker.cancelOrder(o.clientOrderId)));
      const failed = results.find((r) => !r.ok && r.kind !== 'not_found');
      return failed && !failed.ok ? failed : { ok: true, value: undefined };
    });
    this.publish(report);

    // 3. Flatten, when armed.
    if (flatten) {
      const fl = step('flatten');
      fl.status = 'running';
      fl.startedAt = ctx.clock.now();
      await this.retry(fl, () => ctx.broker.closeAllPositions());
      this.publish(report);
    }

    // 4. Confirm with the broker: zero open orders (and zero positions when flattening).
    const confirm = step('confirm');
    confirm.status = 'running';
    confirm.startedAt = ctx.clock.now();
    const deadline = nowMs() + this.confirmTimeoutMs;
    let orders = -1;
    let positions = -1;
    let delay = this.pollMs;
    for (;;) {
      confirm.attempts++;
      const [o, p] = await Promise.all([ctx.broker.listOpenOrders(), flatten ? ctx.broker.listPositions() : Promise.resolve(null)]);
      if (o.ok) orders = o.value.length;
      if (p && p.ok) positions = p.value.length;
      const done = o.ok && orders === 0 && (!flatten || (p !== null && p.ok && positions === 0));
      if (done) break;
      if (nowMs() > deadline) break;
      if (!o.ok) confirm.detail = `broker did not answer: ${o.message}; retrying`;
      // cancels that raced a fill, or orders placed by the broker's close-out, are cancelled again
      if (o.ok && orders > 0 && confirm.attempts % 4 === 0) {
        ctx.broker.cancelAllOrders().catch((e: unknown) => ctx.log('error', 'a repeated cancel-all during the confirmation threw', e));
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 500);
    }
    report.openOrdersRemaining = orders < 0 ? null : orders;
    report.positionsRemaining = flatten ? (positions < 0 ? null : positions) : ctx.state.positions.size;
    const confirmed = orders === 0 && (!flatten || positions === 0);
    confirm.status = confirmed ? 'done' : 'failed';
    confirm.endedAt = ctx.clock.now();
    confirm.detail = confirmed
      ? `broker confirms 0 open orders${flatten ? ' and 0 positions' : ''}`
      : `NOT CONFIRMED after ${this.confirmTimeoutMs} ms: ${orders < 0 ? 'unknown' : orders} open orders${flatten ? `, ${positions < 0 ? 'unknown' : positions} positions` : ''} remain at the broker. Check the broker directly.`;
    report.status = confirmed && report.steps.every((s) => s.status !== 'failed') ? 'confirmed' : 'failed';
    report.finishedAt = ctx.clock.now();
    this.lastTimings = { haltDurableMs, cancelsIssuedMs, confirmedMs: confirmed ? nowMs() - t0 : null };
    this.publish(report);
    ctx.audit('killswitch', report.status === 'confirmed' ? `Emergency stop confirmed by the broker in ${(nowMs() - t0).toFixed(0)} ms` : `EMERGENCY STOP NOT CONFIRMED: ${confirm.detail}`, { report });
    if (report.status !== 'confirmed') {
      const failed = report.steps.filter((x) => x.status === 'failed').map((x) => `${x.name}: ${x.detail}`);
      ctx.alert('critical', 'stop_failed', `The emergency stop did not confirm. ${failed.join(' ')} Trading stays halted; check the broker directly.`);
    }
    return report;
  }

  private async retry(s: StopStep, attempt: () => Promise<BrokerResult<void>>): Promise<void> {
    let delay = this.backoffMs;
    for (let i = 1; i <= this.maxAttempts; i++) {
      s.attempts = i;
      const r = await attempt();
      if (r.ok) {
        s.status = 'done';
        s.endedAt = this.ctx.clock.now();
        if (!s.detail) s.detail = `done in ${i} attempt${i > 1 ? 's' : ''}`;
        return;
      }
      s.detail = `attempt ${i} failed: ${r.message}`;
      if (i < this.maxAttempts) await sleep(r.retryAfterMs ?? delay);
      delay *= 2;
    }
    s.status = 'failed';
    s.endedAt = this.ctx.clock.now();
  }

  private publish(report: StopReport): void {
    const copy: StopReport = { ...report, steps: report.steps.map((s) => ({ ...s })) };
    this.ctx.state.lastStop = copy;
    try {
      this.ctx.store.saveStopReport(copy);
    } catch (e) {
      // a disk that refuses writes does not stop the stop; the report is still shown
      this.ctx.log('error', 'the emergency-stop report could not be saved', e);
    }
    this.ctx.emit('killswitch:progress', copy);
  }
}
