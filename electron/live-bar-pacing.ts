// Live bars leave a host for a client at most LIVE_BAR_FRAME_MS apart. The engine publishes one
// bars:tick per turn: at full simulator speed that was ~470 frames a second to a page whose
// chart redraws 10 times a second, and each frame was a message event, a JSON parse and a
// hand-off in a renderer that shares the machine's cores with the engine. A client's ticks (its
// watched symbols' only, see bar-watch.ts) that arrive within a frame interval go out together
// as one bars:tick, in the order they came; the first after a quiet interval goes at once, so a
// bar a minute is not delayed at all. Other events are not held: the transport sends them
// straight away, and flushes the bars first before a fill, so the chart never gets a fill ahead
// of its bar.
import type { BarTick, EngineEvent } from '../engine/api/contract';
import type { Timeframe } from '../engine/domain/types';

export const LIVE_BAR_FRAME_MS = 50;
/**
 * A frame goes early once it holds this many ticks: sending one is a synchronous
 * JSON.stringify on the engine thread, and a client that watches every symbol at full simulator
 * speed would otherwise get ~13,000 ticks (10-20 ms of work) at once.
 */
export const LIVE_BAR_MAX_TICKS_PER_FRAME = 1000;

export interface PacingTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: PacingTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface PacingOptions {
  /** 0 sends each offered tick event at once */
  frameMs?: number;
  maxTicksPerFrame?: number;
  timers?: PacingTimers;
}

type TickEvent = Extract<EngineEvent, { name: 'bars:tick' }>;

/** One client's live bars, paced (see above). */
export class LiveBarPacer {
  private pending: BarTick[] = [];
  private timeframe: Timeframe | null = null;
  private lastSent = -Infinity;
  private timer: unknown = null;
  private stopped = false;
  private readonly frameMs: number;
  private readonly maxTicks: number;
  private readonly timers: PacingTimers;

  constructor(
    private readonly send: (event: TickEvent) => void,
    opts: PacingOptions = {},
  ) {
    this.frameMs = opts.frameMs ?? LIVE_BAR_FRAME_MS;
    this.maxTicks = opts.maxTicksPerFrame ?? LIVE_BAR_MAX_TICKS_PER_FRAME;
    this.timers = opts.timers ?? realTimers;
  }

  /** a bars:tick for this client (already cut to what it watches) */
  offer(event: TickEvent): void {
    if (this.stopped) return;
    const { timeframe, ticks } = event.payload;
    if (this.timeframe !== null && timeframe !== this.timeframe) this.flush();
    this.timeframe = timeframe;
    for (const t of ticks) this.pending.push(t);
    if (this.pending.length >= this.maxTicks) {
      this.flush();
      return;
    }
    if (this.timer !== null) return;
    const wait = this.lastSent + this.frameMs - this.timers.now();
    if (wait <= 0) this.flush();
    else this.timer = this.timers.setTimeout(() => this.flush(), wait);
  }

  /** send what is waiting now (before a fill, or when the client goes) */
  flush(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0 || this.timeframe === null || this.stopped) return;
    const ticks = this.pending;
    this.pending = [];
    this.lastSent = this.timers.now();
    this.send({ name: 'bars:tick', payload: { timeframe: this.timeframe, ticks } });
  }

  /** drop what is waiting and send nothing more */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }
}

/**
 * Subscribes one client's `listener` with its live bars paced: `view` cuts each event to what the
 * client gets (null: nothing). Returns the unsubscribe, which also drops bars not yet sent.
 */
export function subscribePaced(
  subscribe: (listener: (e: EngineEvent) => void) => () => void,
  view: (e: EngineEvent) => EngineEvent | null,
  listener: (e: EngineEvent) => void,
  opts: PacingOptions = {},
): () => void {
  const pacer = new LiveBarPacer(listener, opts);
  const unsubscribe = subscribe((event) => {
    const mine = view(event);
    if (mine === null) return;
    if (mine.name === 'bars:tick') {
      pacer.offer(mine);
      return;
    }
    if (mine.name === 'fills:new') pacer.flush();
    listener(mine);
  });
  return () => {
    pacer.stop();
    unsubscribe();
  };
}
