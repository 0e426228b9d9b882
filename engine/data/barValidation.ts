// Validation of live and historical bars before the engine may act on them. A bar that fails is
// quarantined with a reason: it never reaches a strategy, the risk statistics, the charts or the
// prices used for sizing and marking, so no trade is ever placed on it.
import type { Bar } from '../domain/types';

export type QuarantineCode = 'not_a_number' | 'non_positive' | 'negative_volume' | 'inconsistent_range' | 'duplicate' | 'out_of_order' | 'absurd_jump' | 'gap';

export interface BarProblem {
  code: QuarantineCode;
  /** for a person: what is wrong with this bar, with the numbers */
  reason: string;
}

export interface BarValidationOptions {
  /** bar interval of the feed, in ms of market time */
  timeframeMs: number;
  /**
   * Largest believable move from the previous accepted close to this bar's open, high, low or
   * close, as a fraction (0.25 = 25%). Beyond it the bar is a bad print until the next bars
   * confirm the new level (see `confirmBars`).
   */
  maxJump: number;
  /**
   * Missing intervals tolerated before a bar counts as coming after a gap (a feed outage, or a
   * session open): that first bar is quarantined, since indicators computed across the hole are
   * not to be traded on, and the stream resumes from it.
   */
  maxGapBars: number;
  /**
   * Consecutive bars that agree with each other but not with the last accepted close that
   * establish a new price level (a split, a halt reopening): the last of them is accepted.
   */
  confirmBars: number;
}

export const DEFAULT_BAR_VALIDATION: Omit<BarValidationOptions, 'timeframeMs'> = { maxJump: 0.25, maxGapBars: 30, confirmBars: 3 };

/** The previous accepted bar of a symbol, as far as validation needs it. */
export interface BarAnchor {
  t: number;
  c: number;
}

// module constants: this runs for every live bar, and a literal here would be a new array each time
const FIELDS = ['t', 'o', 'h', 'l', 'c', 'v'] as const;
const PRICE_FIELDS = ['o', 'h', 'l', 'c'] as const;

/** Problems of the bar on its own (no history needed). */
export function intrinsicProblem(bar: Bar): BarProblem | null {
  for (const f of FIELDS) {
    const x = bar[f];
    if (typeof x !== 'number' || !Number.isFinite(x)) return { code: 'not_a_number', reason: `${fieldName(f)} is ${String(x)}, not a number` };
  }
  for (const f of PRICE_FIELDS) {
    if (bar[f] <= 0) return { code: 'non_positive', reason: `${fieldName(f)} is ${bar[f]}; prices must be above zero` };
  }
  if (bar.v < 0) return { code: 'negative_volume', reason: `volume is ${bar.v}; it cannot be negative` };
  if (bar.h < bar.l || bar.h < Math.max(bar.o, bar.c) || bar.l > Math.min(bar.o, bar.c)) {
    return { code: 'inconsistent_range', reason: `high ${bar.h} / low ${bar.l} do not contain open ${bar.o} and close ${bar.c}` };
  }
  return null;
}

/** Problems of the bar against the previous accepted bar of its symbol. */
export function sequenceProblem(prev: BarAnchor | null, bar: Bar, opts: BarValidationOptions): BarProblem | null {
  if (!prev) return null;
  if (bar.t === prev.t) return { code: 'duplicate', reason: `a bar for ${iso(bar.t)} was already received` };
  if (bar.t < prev.t) return { code: 'out_of_order', reason: `bar for ${iso(bar.t)} arrived after the bar for ${iso(prev.t)}` };
  const move = largestMove(prev.c, bar);
  if (move > opts.maxJump) {
    return { code: 'absurd_jump', reason: `moves ${(move * 100).toFixed(1)}% from the previous close ${prev.c} (more than ${(opts.maxJump * 100).toFixed(0)}% in one bar)` };
  }
  const missing = Math.round((bar.t - prev.t) / opts.timeframeMs) - 1;
  if (missing > opts.maxGapBars) return { code: 'gap', reason: `${missing} bars missing since ${iso(prev.t)}; the first bar after a gap is not traded on` };
  return null;
}

/** Largest relative distance of any price of the bar from a reference close. */
function largestMove(ref: number, bar: Bar): number {
  return Math.max(Math.abs(bar.o / ref - 1), Math.abs(bar.h / ref - 1), Math.abs(bar.l / ref - 1), Math.abs(bar.c / ref - 1));
}

/**
 * The per-symbol validator: remembers the last accepted bar, and the run of bars that jumped
 * together, so a genuine new level is accepted after `confirmBars` bars instead of quarantining
 * the symbol forever.
 */
export class BarValidator {
  private readonly anchors = new Map<string, BarAnchor>();
  private readonly jumpRuns = new Map<string, Bar[]>();

  constructor(private readonly opts: BarValidationOptions) {}

  /** the symbol's current anchor: read it now, do not keep it (it moves with the next accepted bar) */
  anchor(symbol: string): Readonly<BarAnchor> | null {
    return this.anchors.get(symbol) ?? null;
  }

  /** Accepted: null. Quarantined: the problem. Accepting moves the symbol's anchor to this bar. */
  check(symbol: string, bar: Bar): BarProblem | null {
    const own = intrinsicProblem(bar);
    if (own) return own;
    const prev = this.anchors.get(symbol) ?? null;
    const problem = sequenceProblem(prev, bar, this.opts);
    if (problem === null) {
      this.jumpRuns.delete(symbol);
      this.moveAnchor(symbol, bar);
      return null;
    }
    if (problem.code === 'gap') {
      // the stream resumes from this bar: the next one is checked against it
      this.jumpRuns.delete(symbol);
      this.moveAnchor(symbol, bar);
      return problem;
    }
    if (problem.code === 'absurd_jump') return this.jumped(symbol, bar, problem);
    return problem;
  }

  private jumped(symbol: string, bar: Bar, problem: BarProblem): BarProblem | null {
    const run = this.jumpRuns.get(symbol) ?? [];
    const last = run[run.length - 1];
    // a run continues only with bars in time order that agree with the previous jumped bar
    const continues = last !== undefined && bar.t > last.t && largestMove(last.c, bar) <= this.opts.maxJump;
    const next = continues ? [...run, bar] : [bar];
    if (next.length >= this.opts.confirmBars) {
      this.jumpRuns.delete(symbol);
      this.moveAnchor(symbol, bar);
      return null;
    }
    this.jumpRuns.set(symbol, next);
    return { code: problem.code, reason: `${problem.reason}; ${this.opts.confirmBars - next.length} more bar(s) at the new level will confirm it` };
  }

  /** the symbol's anchor becomes `bar` (updated in place: one object per symbol, not per bar) */
  private moveAnchor(symbol: string, bar: Bar): void {
    const a = this.anchors.get(symbol);
    if (a) {
      a.t = bar.t;
      a.c = bar.c;
    } else {
      this.anchors.set(symbol, { t: bar.t, c: bar.c });
    }
  }

  /** Seed the anchor from history that was already validated (at start-up). */
  seed(symbol: string, bar: Bar): void {
    this.moveAnchor(symbol, bar);
  }
}

/** The valid bars of a history, in order, checked as a stream (a fresh validator, no side effects). */
export function validHistory(bars: readonly Bar[], opts: BarValidationOptions): Bar[] {
  const v = new BarValidator(opts);
  const out: Bar[] = [];
  for (const b of bars) {
    const p = v.check('', b);
    // a gap in stored history is not a reason to hide the bar from charts and warm-up
    if (p === null || p.code === 'gap') out.push(b);
  }
  return out;
}

function fieldName(f: (typeof FIELDS)[number]): string {
  return { t: 'time', o: 'open', h: 'high', l: 'low', c: 'close', v: 'volume' }[f];
}

function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : String(t);
}
