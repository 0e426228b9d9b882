// AlpacaBroker: the Broker port over the official SDK.
// - Every order carries the caller's deterministic client_order_id. A POST is sent once: after a
//   lost response, a timeout or a 5xx the order is looked up by that id before anything is decided,
//   and a "client_order_id must be unique" refusal resolves to the order that already exists.
// - Trade updates arrive over the SDK's stream (reconnecting with backoff); each execution is
//   delivered once, keyed by Alpaca's execution_id, however often the stream repeats it.
// - Failures are values with a readable message; a message we cannot interpret is logged with its
//   raw body and skipped.
import type { streaming } from '@alpacahq/alpaca-trade-api';
import type { BracketLevels, BrokerStatus } from '../../domain/types';
import type { Broker, BrokerAccount, BrokerEvent, BrokerOrderRequest, BrokerPosition, BrokerResult } from '../../ports';
import { consoleLog, type AlpacaClient, type AlpacaLog, type StreamTuning } from './client';
import { asFailure, describeFailure, type CallFailure } from './errors';
import { parseAccount, parseOrder, parsePosition, type AlpacaBrokerOrder } from './wire';

/** What Alpaca orders can carry beyond the port's request: notional amounts and bracket exits. */
export interface AlpacaOrderRequest extends BrokerOrderRequest {
  /** dollars instead of `qty` (market orders; fractional shares or crypto) */
  notional?: number | null;
  /** stocks only: Alpaca refuses brackets on crypto; `stopLossLimit` makes the stop leg a stop-limit */
  bracket?: (BracketLevels & { stopLossLimit?: number | null }) | null;
}

export interface AlpacaBrokerOptions {
  log?: AlpacaLog;
  /** lookups by client_order_id after an ambiguous submit, and the pause between them */
  lookupAttempts?: number;
  lookupDelayMs?: number;
  /** how long connect() waits for the stream to authorize and start listening */
  connectTimeoutMs?: number;
  stream?: StreamTuning;
  /** execution ids remembered for de-duplication */
  dedupeWindow?: number;
}

const MAX_OPEN_ORDER_PAGES = 20;
const PAGE = 500;

/** Alpaca wants plain decimal strings: never an exponent, at most 9 decimals. */
export function wireAmount(x: number): string {
  const s = x.toFixed(9);
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

function isPositiveFinite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class AlpacaBroker implements Broker {
  private current: BrokerStatus;
  private readonly listeners = new Set<(e: BrokerEvent) => void>();
  private readonly seen = new Set<string>();
  private readonly seenOrder: string[] = [];
  private readonly brokerIds = new Map<string, string>();
  private readonly log: AlpacaLog;
  private readonly lookupAttempts: number;
  private readonly lookupDelayMs: number;
  private readonly connectTimeoutMs: number;
  private readonly dedupeWindow: number;
  private stream: streaming.TradingStream | null = null;
  private streamListening = false;
  private streamProblem: string | null = 'not connected yet';
  private restProblem: string | null = null;
  private closed = false;
  /** fills delivered, duplicates dropped, malformed messages skipped (tests and diagnostics) */
  readonly counters = { fills: 0, duplicateFills: 0, malformed: 0, reconnects: 0 };

  constructor(
    private readonly client: AlpacaClient,
    private readonly opts: AlpacaBrokerOptions = {},
  ) {
    this.log = opts.log ?? consoleLog;
    this.lookupAttempts = opts.lookupAttempts ?? 3;
    this.lookupDelayMs = opts.lookupDelayMs ?? 300;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.dedupeWindow = opts.dedupeWindow ?? 10_000;
    this.current = { kind: 'alpaca', environment: client.environment, connected: false, message: 'not connected yet' };
  }

  get status(): BrokerStatus {
    return this.current;
  }

  onEvent(listener: (e: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: BrokerEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log('error', 'a broker event listener threw', err);
      }
    }
  }

  private refreshStatus(): void {
    const env = this.client.environment;
    const problem = this.streamProblem ?? this.restProblem;
    const next: BrokerStatus = {
      kind: 'alpaca',
      environment: env,
      connected: problem === null && this.streamListening,
      message: problem ?? `connected to Alpaca ${env} (trade updates live)`,
    };
    if (next.connected === this.current.connected && next.message === this.current.message) return;
    this.current = next;
    this.emit({ type: 'connection', status: next });
  }

  private async call<T>(doing: string, fn: () => Promise<T>): Promise<{ ok: true; value: T } | CallFailure> {
    try {
      const value = await fn();
      if (this.restProblem !== null) {
        this.restProblem = null;
        this.refreshStatus();
      }
      return { ok: true, value };
    } catch (e) {
      const f = await describeFailure(e, doing, this.client.describeHosts());
      if (f.kind === 'network' || (f.kind === 'rejected' && f.status === 401)) {
        this.restProblem = f.message;
        this.refreshStatus();
      }
      return f;
    }
  }

  // ---------- stream ----------

  /** Open the trade-updates stream; resolves once Alpaca listens, or with the reason it will not. */
  async connect(): Promise<BrokerResult<void>> {
    // a stream that failed to come up keeps reconnecting in the background: report where it stands
    if (this.stream) return this.streamListening ? { ok: true, value: undefined } : { ok: false, kind: 'network', message: this.streamProblem ?? 'the trade-updates stream is still connecting' };
    const { stream, lastRaw } = this.client.tradingStream(this.opts.stream);
    this.stream = stream;
    let listening: (() => void) | null = null;
    const listeningNow = new Promise<void>((resolve) => {
      listening = resolve;
    });
    stream.onTradeUpdate((u) => this.onTradeUpdate(u, lastRaw()));
    stream.on('subscription', (streams: unknown) => {
      if (Array.isArray(streams) && streams.includes('trade_updates')) {
        this.streamListening = true;
        this.streamProblem = null;
        this.refreshStatus();
        listening?.();
      }
    });
    stream.onError((msg: string) => {
      if (/failed to (decode|process) message/.test(msg)) {
        this.counters.malformed++;
        this.log('warn', `malformed trade-update message skipped: ${msg}`, { raw: lastRaw() });
        return;
      }
      if (msg === 'auth failed') {
        this.streamProblem = `Alpaca refused the API keys on the trade-updates stream (${this.client.config.streamUrl ?? 'default endpoint'}); check the key ID and secret and the paper/live setting`;
        this.refreshStatus();
        return;
      }
      this.log('warn', `trade-updates stream: ${msg}`);
    });
    stream.onDisconnect(() => {
      if (this.closed) return;
      this.streamListening = false;
      if (!this.streamProblem?.startsWith('Alpaca refused')) this.streamProblem = 'trade-updates stream lost; reconnecting';
      this.refreshStatus();
    });
    stream.onReconnecting((attempt: number) => {
      this.counters.reconnects++;
      this.streamProblem = `trade-updates stream lost; reconnecting (attempt ${attempt})`;
      this.refreshStatus();
    });
    stream.subscribeTradeUpdates();
    stream.connect();
    const auth = await stream.waitForAuthenticationResult(this.connectTimeoutMs);
    if (!auth.authenticated) {
      const message =
        auth.status === 'server_rejected'
          ? `Alpaca refused the API keys on the trade-updates stream (${auth.message}); check the key ID and secret and the paper/live setting`
          : auth.status === 'timeout'
            ? `the trade-updates stream did not authorize within ${Math.round(this.connectTimeoutMs / 1000)} s; check the network and ALPACA_STREAM_URL`
            : `the trade-updates stream closed before authorizing (${auth.message}); check the network and ALPACA_STREAM_URL`;
      this.streamProblem = message;
      this.refreshStatus();
      // refused keys are final (the SDK stops); a timeout keeps retrying in the background
      if (auth.status === 'server_rejected') this.stream = null;
      return { ok: false, kind: auth.status === 'server_rejected' ? 'rejected' : 'network', message };
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.connectTimeoutMs);
    });
    const outcome = await Promise.race([listeningNow.then(() => 'listening' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const message = 'Alpaca authorized the trade-updates stream but never confirmed listening to trade_updates';
      this.streamProblem = message;
      this.refreshStatus();
      return { ok: false, kind: 'network', message };
    }
    return { ok: true, value: undefined };
  }

  private remember(execId: string): boolean {
    if (this.seen.has(execId)) return false;
    this.seen.add(execId);
    this.seenOrder.push(execId);
    while (this.seenOrder.length > this.dedupeWindow) {
      const old = this.seenOrder.shift();
      if (old !== undefined) this.seen.delete(old);
    }
    return true;
  }

  private onTradeUpdate(u: streaming.TradeUpdate, raw: string | null): void {
    const parsed = parseOrder(u.order);
    if (!parsed.ok) {
      this.counters.malformed++;
      this.log('warn', `malformed trade update skipped (${parsed.problem})`, { raw });
      return;
    }
    const order = parsed.value;
    this.brokerIds.set(order.clientOrderId, order.brokerOrderId);
    if (u.event === 'fill' || u.event === 'partial_fill') {
      const qty = Number(u.qty);
      const price = Number(u.price);
      const time = u.timestamp instanceof Date ? u.timestamp.getTime() : NaN;
      if (!isPositiveFinite(qty) || !isPositiveFinite(price) || !Number.isFinite(time)) {
        this.counters.malformed++;
        this.log('warn', `malformed ${u.event} event skipped (qty ${String(u.qty)}, price ${String(u.price)}, timestamp ${String(u.timestamp)})`, { raw });
        return;
      }
      // Alpaca names each execution; without one, the cumulative filled quantity identifies it
      const execId = typeof u.executionId === 'string' && u.executionId !== '' ? u.executionId : `${order.brokerOrderId}:${wireAmount(order.filledQty)}`;
      if (!this.remember(execId)) {
        this.counters.duplicateFills++;
        this.log('info', `duplicate fill ${execId} for ${order.clientOrderId} ignored`);
        return;
      }
      this.counters.fills++;
      this.emit({
        type: 'fill',
        fill: { fillId: execId, clientOrderId: order.clientOrderId, symbol: order.symbol, side: order.side, qty, price, commission: 0, time },
        order,
      });
      return;
    }
    this.emit({ type: 'order', order, reason: reasonFor(u.event) });
  }

  // ---------- orders ----------

  async submitOrder(req: AlpacaOrderRequest): Promise<BrokerResult<AlpacaBrokerOrder>> {
    const useNotional = isPositiveFinite(req.notional ?? null);
    if (!useNotional && !isPositiveFinite(req.qty)) return { ok: false, kind: 'rejected', message: `order ${req.clientOrderId}: quantity must be a positive number (got ${req.qty})` };
    const doing = `placing order ${req.clientOrderId} (${req.side} ${useNotional ? `$${req.notional}` : req.qty} ${req.symbol} ${req.type})`;
    const res = await this.call(doing, () =>
      this.client.sdk.trading.orders.postOrder({
        postOrderRequest: {
          symbol: req.symbol,
          side: req.side,
          type: req.type,
          timeInForce: req.tif,
          qty: useNotional ? undefined : wireAmount(req.qty),
          notional: useNotional ? wireAmount(req.notional as number) : undefined,
          limitPrice: req.limitPrice === null ? undefined : wireAmount(req.limitPrice),
          stopPrice: req.stopPrice === null ? undefined : wireAmount(req.stopPrice),
          clientOrderId: req.clientOrderId,
          ...(req.bracket
            ? {
                orderClass: 'bracket' as const,
                takeProfit: { limitPrice: wireAmount(req.bracket.takeProfit) },
                stopLoss: {
                  stopPrice: wireAmount(req.bracket.stopLoss),
                  limitPrice: isPositiveFinite(req.bracket.stopLossLimit ?? null) ? wireAmount(req.bracket.stopLossLimit as number) : undefined,
                },
              }
            : {}),
        },
      }),
    );
    if (res.ok) return this.parsedOrder(res.value, doing);
    if (res.status === 422 && /client_order_id must be unique/i.test(res.message)) {
      // sent before (a retry after a crash or a lost answer): the existing order is the answer
      const existing = await this.getOrderByClientId(req.clientOrderId);
      if (existing.ok && existing.value) {
        const e = existing.value;
        if (e.symbol !== req.symbol || e.side !== req.side) {
          // the id was spent on another order: answering with that one would misreport this intent
          return { ok: false, kind: 'rejected', message: `client_order_id ${req.clientOrderId} is already used at Alpaca by a different order (${e.side} ${e.symbol})` };
        }
        this.log('info', `order ${req.clientOrderId} already existed at Alpaca; not sent twice`);
        return { ok: true, value: e };
      }
      return existing.ok ? asFailure(res) : existing;
    }
    if (!res.ambiguous) return asFailure(res);
    return this.resolveAmbiguous(req.clientOrderId, res);
  }

  /** The submit may or may not have reached Alpaca: ask by client_order_id, a few times, before saying no. */
  private async resolveAmbiguous(clientOrderId: string, cause: CallFailure): Promise<BrokerResult<AlpacaBrokerOrder>> {
    let lookupFailure: string | null = null;
    for (let i = 0; i < this.lookupAttempts; i++) {
      if (i > 0) await sleep(this.lookupDelayMs);
      const found = await this.getOrderByClientId(clientOrderId);
      if (found.ok && found.value) {
        this.log('info', `order ${clientOrderId} reached Alpaca although its answer was lost (${cause.message})`);
        return { ok: true, value: found.value };
      }
      lookupFailure = found.ok ? null : found.message;
    }
    const message = lookupFailure
      ? `${cause.message}; looking order ${clientOrderId} up failed too (${lookupFailure}), so whether Alpaca has it is unknown`
      : `${cause.message}; order ${clientOrderId} was not found at Alpaca after ${this.lookupAttempts} lookups, so it most likely never arrived (sending it again with the same client_order_id is safe: Alpaca refuses a duplicate)`;
    return { ok: false, kind: cause.kind, message };
  }

  private parsedOrder(raw: unknown, doing: string): BrokerResult<AlpacaBrokerOrder> {
    const p = parseOrder(raw);
    if (!p.ok) {
      this.counters.malformed++;
      this.log('error', `Alpaca's answer to ${doing} could not be read (${p.problem})`, { raw });
      return { ok: false, kind: 'server', message: `Alpaca's answer to ${doing} could not be read (${p.problem})` };
    }
    this.brokerIds.set(p.value.clientOrderId, p.value.brokerOrderId);
    return { ok: true, value: p.value };
  }

  async getOrderByClientId(clientOrderId: string): Promise<BrokerResult<AlpacaBrokerOrder | null>> {
    const doing = `looking up order ${clientOrderId}`;
    const res = await this.call(doing, () => this.client.sdk.trading.orders.getOrderByClientOrderId({ clientOrderId }));
    if (!res.ok) return res.kind === 'not_found' ? { ok: true, value: null } : asFailure(res);
    return this.parsedOrder(res.value, doing);
  }

  async cancelOrder(clientOrderId: string): Promise<BrokerResult<void>> {
    let brokerId = this.brokerIds.get(clientOrderId);
    if (!brokerId) {
      const found = await this.getOrderByClientId(clientOrderId);
      if (!found.ok) return found;
      if (!found.value) return { ok: false, kind: 'not_found', message: `Alpaca has no order ${clientOrderId}` };
      brokerId = found.value.brokerOrderId;
    }
    const id = brokerId;
    const res = await this.call(`canceling order ${clientOrderId}`, () => this.client.sdk.trading.orders.deleteOrderByOrderID({ orderId: id }));
    if (res.ok) return { ok: true, value: undefined };
    if (res.status === 422) return { ok: false, kind: 'rejected', message: `order ${clientOrderId} can no longer be canceled (already filled, canceled or expired at Alpaca)` };
    return asFailure(res);
  }

  async cancelAllOrders(): Promise<BrokerResult<void>> {
    const res = await this.client.urgent(() => this.call('canceling all open orders', () => this.client.sdk.trading.orders.deleteAllOrders()));
    if (!res.ok) return asFailure(res);
    const refused = res.value.filter((r) => typeof r.status !== 'number' || r.status < 200 || r.status >= 300);
    if (refused.length > 0) {
      return { ok: false, kind: 'server', message: `Alpaca could not cancel ${refused.length} of ${res.value.length} orders (${refused.slice(0, 5).map((r) => `${String(r.id)}: ${String(r.status)}`).join(', ')})` };
    }
    return { ok: true, value: undefined };
  }

  async closeAllPositions(): Promise<BrokerResult<void>> {
    const res = await this.client.urgent(() =>
      this.call('closing all positions', () => this.client.sdk.trading.positions.deleteAllOpenPositions({ cancelOrders: true })),
    );
    if (!res.ok) return asFailure(res);
    const refused = res.value.filter((r) => typeof r.status !== 'number' || r.status < 200 || r.status >= 300);
    if (refused.length > 0) {
      return { ok: false, kind: 'server', message: `Alpaca could not close ${refused.length} of ${res.value.length} positions (${refused.slice(0, 5).map((r) => `${String(r.symbol)}: ${String(r.status)}`).join(', ')})` };
    }
    return { ok: true, value: undefined };
  }

  /**
   * Every open order (held bracket legs included), paging past Alpaca's 500-per-request cap.
   * Like listPositions, it goes ahead of routine requests in the budget: the emergency stop
   * confirms with these two, and they are cheap reads that nothing issues in bulk.
   */
  async listOpenOrders(): Promise<BrokerResult<AlpacaBrokerOrder[]>> {
    const out: AlpacaBrokerOrder[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_OPEN_ORDER_PAGES; page++) {
      const res = await this.client.urgent(() =>
        this.call('listing open orders', () =>
          this.client.sdk.trading.orders.getAllOrders({ status: 'open', limit: PAGE, direction: 'asc', nested: false, afterOrderId: after }),
        ),
      );
      if (!res.ok) return asFailure(res);
      this.readOrders(res.value, 'an open order', out);
      const last = res.value[res.value.length - 1];
      if (res.value.length < PAGE || !last || typeof last.id !== 'string') break;
      after = last.id;
    }
    return { ok: true, value: out };
  }

  /** Parse a page of orders into `out`, remembering their broker ids; one that cannot be read is counted, logged and left out. */
  private readOrders(page: readonly Parameters<typeof parseOrder>[0][], what: string, out: AlpacaBrokerOrder[]): AlpacaBrokerOrder[] {
    for (const raw of page) {
      const p = parseOrder(raw);
      if (p.ok) {
        this.brokerIds.set(p.value.clientOrderId, p.value.brokerOrderId);
        out.push(p.value);
      } else {
        this.counters.malformed++;
        this.log('error', `${what} from Alpaca could not be read and is left out (${p.problem})`, { raw });
      }
    }
    return out;
  }

  /** The `limit` (at most 500) most recently created orders, open or closed, newest first. */
  async listRecentOrders(limit: number): Promise<BrokerResult<AlpacaBrokerOrder[]>> {
    const res = await this.client.urgent(() =>
      this.call('listing recent orders', () => this.client.sdk.trading.orders.getAllOrders({ status: 'all', limit: Math.min(limit, PAGE), direction: 'desc', nested: false })),
    );
    if (!res.ok) return asFailure(res);
    return { ok: true, value: this.readOrders(res.value, 'an order', []) };
  }

  async listPositions(): Promise<BrokerResult<BrokerPosition[]>> {
    const res = await this.client.urgent(() => this.call('listing positions', () => this.client.sdk.trading.positions.getAllOpenPositions()));
    if (!res.ok) return asFailure(res);
    const out: BrokerPosition[] = [];
    for (const raw of res.value) {
      const p = parsePosition(raw);
      if (p.ok) out.push({ symbol: p.value.symbol, qty: p.value.qty, avgEntryPrice: p.value.avgEntryPrice });
      else {
        this.counters.malformed++;
        this.log('error', `a position from Alpaca could not be read and is left out (${p.problem})`, { raw });
      }
    }
    return { ok: true, value: out };
  }

  async getAccount(): Promise<BrokerResult<BrokerAccount>> {
    const res = await this.call('reading the account', () => this.client.sdk.trading.account.getAccount());
    if (!res.ok) return asFailure(res);
    const p = parseAccount(res.value);
    if (!p.ok) {
      this.counters.malformed++;
      this.log('error', `the account from Alpaca could not be read (${p.problem})`, { raw: res.value });
      return { ok: false, kind: 'server', message: `the account from Alpaca could not be read (${p.problem})` };
    }
    if (p.value.tradingBlocked) this.log('warn', `Alpaca reports the account as blocked for trading (status ${p.value.status})`);
    return { ok: true, value: { cash: p.value.cash, equity: p.value.equity, buyingPower: p.value.buyingPower, status: p.value.status, tradingBlocked: p.value.tradingBlocked } };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stream?.disconnect();
    this.stream = null;
    this.streamListening = false;
    this.streamProblem = 'disconnected';
    this.refreshStatus();
  }
}

function reasonFor(event: string): string | null {
  switch (event) {
    case 'rejected':
      return 'rejected by Alpaca';
    case 'canceled':
      return 'canceled at Alpaca';
    case 'expired':
      return 'expired at the end of its time in force';
    case 'replaced':
      return 'replaced by another order';
    case 'done_for_day':
      return 'done for the day';
    case 'order_cancel_rejected':
      return 'Alpaca refused to cancel the order';
    case 'order_replace_rejected':
      return 'Alpaca refused to replace the order';
    default:
      return null;
  }
}
