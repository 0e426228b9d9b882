// A broker that wraps the real simulator and injects the failures a real broker produces:
// rejected calls, 429 with Retry-After, 500s, timeouts, slow confirmations, lost responses.
import type { BrokerStatus } from '../../../engine/domain/types';
import type { Broker, BrokerEvent, BrokerOrder, BrokerOrderRequest, BrokerPosition, BrokerResult, BrokerAccount } from '../../../engine/ports';

type Fault = { kind: 'rate_limited' | 'server' | 'network' | 'rejected'; message: string; retryAfterMs?: number };
type Method = 'submitOrder' | 'cancelOrder' | 'cancelAllOrders' | 'listOpenOrders' | 'listPositions' | 'closeAllPositions' | 'getOrderByClientId';

export class FaultyBroker implements Broker {
  /** faults to return, in order, per method; each is used once */
  readonly faults = new Map<Method, Fault[]>();
  /** extra latency per call, per method */
  readonly delays = new Map<Method, number>();
  /** submit reaches the broker but the answer is lost (the order exists) */
  loseNextSubmitResponse = false;
  /** listOpenOrders reports these many phantom orders for the next N calls (slow confirmation) */
  phantomOpenOrders = 0;
  calls: Method[] = [];
  /** market orders are acknowledged but never executed (a halted symbol, a stuck venue) */
  stallMarketOrders = false;
  private readonly stalled = new Map<string, BrokerOrder>();
  private readonly listeners = new Set<(e: BrokerEvent) => void>();
  /** hook run when a method is called, before it acts */
  onCall: ((m: Method) => void) | null = null;

  constructor(private readonly inner: Broker) {}

  get status(): BrokerStatus {
    return this.inner.status;
  }

  fail(method: Method, ...faults: Fault[]): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), ...faults]);
  }

  private async gate<T>(m: Method): Promise<BrokerResult<T> | null> {
    this.calls.push(m);
    this.onCall?.(m);
    const d = this.delays.get(m);
    if (d) await new Promise((r) => setTimeout(r, d));
    const f = this.faults.get(m)?.shift();
    if (!f) return null;
    return { ok: false, kind: f.kind, message: f.message, ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}) };
  }

  async submitOrder(req: BrokerOrderRequest): Promise<BrokerResult<BrokerOrder>> {
    const g = await this.gate<BrokerOrder>('submitOrder');
    if (g) return g;
    if (this.stallMarketOrders && req.type === 'market') {
      const o: BrokerOrder = { brokerOrderId: `stalled-${req.clientOrderId}`, clientOrderId: req.clientOrderId, symbol: req.symbol, side: req.side, type: 'market', qty: req.qty, limitPrice: null, status: 'accepted', filledQty: 0, avgFillPrice: null };
      this.stalled.set(req.clientOrderId, o);
      return { ok: true, value: o };
    }
    const r = await this.inner.submitOrder(req);
    if (this.loseNextSubmitResponse) {
      this.loseNextSubmitResponse = false;
      return { ok: false, kind: 'network', message: 'socket hang up (response lost)' };
    }
    return r;
  }
  async cancelOrder(id: string): Promise<BrokerResult<void>> {
    const g = await this.gate<void>('cancelOrder');
    if (g) return g;
    const stalled = this.stalled.get(id);
    if (stalled) {
      this.stalled.delete(id);
      const canceled: BrokerOrder = { ...stalled, status: 'canceled' };
      queueMicrotask(() => {
        for (const l of this.listeners) l({ type: 'order', order: canceled, reason: 'canceled' });
      });
      return { ok: true, value: undefined };
    }
    return this.inner.cancelOrder(id);
  }
  async cancelAllOrders(): Promise<BrokerResult<void>> {
    return (await this.gate<void>('cancelAllOrders')) ?? this.inner.cancelAllOrders();
  }
  async getOrderByClientId(id: string): Promise<BrokerResult<BrokerOrder | null>> {
    // a stalled order exists at this broker: lookups and the open list report it (reconciliation asks)
    return (await this.gate<BrokerOrder | null>('getOrderByClientId')) ?? (this.stalled.has(id) ? { ok: true, value: this.stalled.get(id) ?? null } : this.inner.getOrderByClientId(id));
  }
  async listOpenOrders(): Promise<BrokerResult<BrokerOrder[]>> {
    const g = await this.gate<BrokerOrder[]>('listOpenOrders');
    if (g) return g;
    const inner = await this.inner.listOpenOrders();
    const r: BrokerResult<BrokerOrder[]> = inner.ok && this.stalled.size > 0 ? { ok: true, value: [...inner.value, ...this.stalled.values()] } : inner;
    if (r.ok && this.phantomOpenOrders > 0) {
      this.phantomOpenOrders--;
      return { ok: true, value: [...r.value, { brokerOrderId: 'phantom', clientOrderId: 'phantom', symbol: 'AAPL', side: 'buy', type: 'limit', qty: 1, limitPrice: 1, status: 'pending_cancel', filledQty: 0, avgFillPrice: null }] };
    }
    return r;
  }
  async listPositions(): Promise<BrokerResult<BrokerPosition[]>> {
    return (await this.gate<BrokerPosition[]>('listPositions')) ?? this.inner.listPositions();
  }
  getAccount(): Promise<BrokerResult<BrokerAccount>> {
    return this.inner.getAccount();
  }
  async closeAllPositions(): Promise<BrokerResult<void>> {
    return (await this.gate<void>('closeAllPositions')) ?? this.inner.closeAllPositions();
  }
  onEvent(listener: (e: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    const off = this.inner.onEvent(listener);
    return () => {
      this.listeners.delete(listener);
      off();
    };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
