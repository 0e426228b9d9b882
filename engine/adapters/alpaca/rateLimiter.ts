// One request budget for everything that talks to Alpaca (broker, market data, reconciliation):
// Alpaca counts requests per account, not per caller. A token bucket of capacity C refilled at
// r per minute admits at most C + r requests in any sliding minute, so C + r is kept at the
// configured limit (190 by default, under Alpaca's 200). Urgent work (the emergency stop's cancels,
// closes and confirmation polls) waits in its own queue, served before routine requests.

export type Priority = 'urgent' | 'normal';

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export interface TokenBucketOptions {
  /** at most this many requests in any sliding window of `windowMs` */
  perMinute: number;
  /** the window (default one minute; tests shrink it to run in seconds) */
  windowMs?: number;
  /** share of the budget usable as an immediate burst (default 0.5) */
  burstFraction?: number;
  /**
   * tokens only urgent requests may spend (default a tenth of the burst): routine traffic can
   * never leave the emergency stop waiting for the bucket to refill
   */
  urgentReserve?: number;
  /** the time source (tests inject one); milliseconds */
  now?: () => number;
}

export class TokenBucket {
  readonly capacity: number;
  /** tokens per millisecond */
  private readonly rate: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  private readonly queues: Record<Priority, Waiter[]> = { urgent: [], normal: [] };
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** requests admitted so far (tests and the status line read it) */
  admitted = 0;
  /** the most requests ever admitted within one window: the guarantee is peak <= perMinute */
  peak = 0;
  private readonly windowMs: number;
  private readonly recent: number[] = [];
  private readonly reserve: number;

  constructor(opts: TokenBucketOptions) {
    const perMinute = Math.max(1, Math.floor(opts.perMinute));
    this.capacity = Math.max(1, Math.min(perMinute - 1, Math.round(perMinute * (opts.burstFraction ?? 0.5))));
    this.reserve = Math.max(0, Math.min(this.capacity - 1, opts.urgentReserve ?? Math.floor(this.capacity / 10)));
    this.windowMs = opts.windowMs ?? 60_000;
    this.rate = Math.max(1, perMinute - this.capacity) / this.windowMs;
    this.now = opts.now ?? (() => Date.now());
    this.tokens = this.capacity;
    this.last = this.now();
  }

  /** Requests admitted in the last window. */
  inWindow(): number {
    const t = this.now();
    while (this.recent.length > 0 && (this.recent[0] as number) <= t - this.windowMs) this.recent.shift();
    return this.recent.length;
  }

  private admit(): void {
    this.tokens -= 1;
    this.admitted++;
    this.recent.push(this.now());
    this.peak = Math.max(this.peak, this.inWindow());
  }

  get waiting(): number {
    return this.queues.urgent.length + this.queues.normal.length;
  }

  /** tokens that must be in the bucket for a request of this priority to go out */
  private needs(priority: Priority): number {
    return priority === 'urgent' ? 1 : 1 + this.reserve;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.rate);
    this.last = t;
  }

  /** Resolves when a request may go out; rejects if `signal` aborts first. */
  acquire(priority: Priority = 'normal', signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    this.refill();
    // routine waiters queue for tokens above the reserve: an urgent request only waits behind
    // other urgent ones
    const ahead = priority === 'urgent' ? this.queues.urgent.length : this.waiting;
    if (ahead === 0 && this.tokens >= this.needs(priority)) {
      this.admit();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        w.onAbort = () => {
          const q = this.queues[priority];
          const i = q.indexOf(w);
          if (i >= 0) q.splice(i, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queues[priority].push(w);
      if (priority === 'urgent' && this.timer !== null) {
        // the timer was set for a routine request's higher threshold: wake sooner
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.schedule();
    });
  }

  private drain(): void {
    this.timer = null;
    this.refill();
    for (;;) {
      const q = this.queues.urgent.length > 0 ? this.queues.urgent : this.queues.normal;
      if (q.length === 0 || this.tokens < this.needs(q === this.queues.urgent ? 'urgent' : 'normal')) break;
      const w = q.shift() as Waiter;
      this.admit();
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null || this.waiting === 0) return;
    const need = this.queues.urgent.length > 0 ? this.needs('urgent') : this.needs('normal');
    const wait = Math.max(1, Math.ceil((need - this.tokens) / this.rate));
    this.timer = setTimeout(() => this.drain(), wait);
  }

  /** Reject everything still queued (the client is closing). */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const q of [this.queues.urgent, this.queues.normal]) {
      for (const w of q.splice(0)) {
        if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
        w.reject(new Error('the Alpaca client is closed'));
      }
    }
  }
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new Error('aborted while waiting for the Alpaca request budget');
}
