// The market data the engine sees: the feed's, with every bar validated first. Bars that fail
// are quarantined (reported with their reason, never delivered), and prices come only from bars
// that passed, so sizing, marking, breakers and protective exits never act on a bad print.
// The broker side (the simulator's fills) keeps the raw feed: it is the market, not our view of it.
import type { Bar, Instrument, Timeframe } from '../domain/types';
import { TIMEFRAME_MS } from '../domain/types';
import type { MarketData } from '../ports';
import { BarValidator, DEFAULT_BAR_VALIDATION, validHistory, type BarProblem, type BarValidationOptions } from './barValidation';

export interface QuarantinedBar extends BarProblem {
  symbol: string;
  bar: Bar;
}

export class ValidatedMarketData implements MarketData {
  readonly timeframe: Timeframe;
  private readonly opts: BarValidationOptions;
  private readonly validator: BarValidator;
  /** last accepted close by symbol (live bars); history fills in until the first one */
  private readonly lastGood = new Map<string, number>();
  private readonly seeded = new Set<string>();

  constructor(
    private readonly inner: MarketData,
    private readonly onQuarantine: (bars: QuarantinedBar[]) => void,
    opts: Partial<Omit<BarValidationOptions, 'timeframeMs'>> = {},
  ) {
    this.timeframe = inner.timeframe;
    this.opts = { ...DEFAULT_BAR_VALIDATION, ...opts, timeframeMs: TIMEFRAME_MS[inner.timeframe] };
    this.validator = new BarValidator(this.opts);
  }

  instruments(): Instrument[] {
    return this.inner.instruments();
  }

  history(symbol: string, limit: number): Bar[] {
    return validHistory(this.inner.history(symbol, limit), this.opts);
  }

  lastPrice(symbol: string): number | null {
    const good = this.lastGood.get(symbol);
    if (good !== undefined) return good;
    const raw = this.inner.lastPrice(symbol);
    // before any live bar: the feed's price if it is believable, else the last valid bar held
    if (raw !== null && Number.isFinite(raw) && raw > 0) {
      const anchor = this.ensureSeeded(symbol);
      if (!anchor || Math.abs(raw / anchor - 1) <= this.opts.maxJump) return raw;
    }
    return this.ensureSeeded(symbol);
  }

  onBars(listener: (batch: { symbol: string; bar: Bar }[]) => void): () => void {
    return this.inner.onBars((batch) => {
      const accepted: { symbol: string; bar: Bar }[] = [];
      let quarantined: QuarantinedBar[] | null = null;
      for (const item of batch) {
        // the feed's history may already hold this very bar: never seed from it now
        this.seeded.add(item.symbol);
        const problem = this.validator.check(item.symbol, item.bar);
        if (problem === null) {
          accepted.push(item);
          this.lastGood.set(item.symbol, item.bar.c);
        } else {
          (quarantined ??= []).push({ symbol: item.symbol, bar: item.bar, ...problem });
        }
      }
      if (quarantined) this.onQuarantine(quarantined);
      if (accepted.length > 0) listener(accepted);
    });
  }

  start(): void {
    this.inner.start();
  }

  stop(): void {
    this.inner.stop();
  }

  /**
   * Anchor each symbol on its last valid historical bar before live bars flow (the engine calls
   * this at start, right before it subscribes), so the first live bar is already checked for
   * jumps, duplicates and order.
   */
  seedFromHistory(symbols: Iterable<string>): void {
    for (const s of symbols) this.ensureSeeded(s);
  }

  /** Anchor a symbol's validation on its last valid historical bar, once; returns that close. */
  private ensureSeeded(symbol: string): number | null {
    if (this.seeded.has(symbol)) return this.validator.anchor(symbol)?.c ?? null;
    this.seeded.add(symbol);
    const last = validHistory(this.inner.history(symbol, 50), this.opts).at(-1);
    if (last) this.validator.seed(symbol, last);
    return last?.c ?? null;
  }
}
