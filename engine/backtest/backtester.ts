// The bar-by-bar backtester. Per bar i, in this order:
//   1. orders decided at bar i-1's close execute: exits and market entries at bar i's open;
//   2. a resting limit/stop entry fills if bar i's range reaches it (a gap through fills at open);
//   3. protective stop-loss / take-profit exits intrabar (stop first when both are touched:
//      a bar's path is unknown, so assume the worse);
//   4. the strategy sees bar i's close (the same Strategy code that runs live) and may signal;
//   5. equity is marked at bar i's close.
// Nothing from bar i is used before step 4, so no decision can see its own fill bar. The loop
// allocates only per trade and per signal; bars are passed through one reused scratch object.
import type { Bar } from '../domain/types';
import { Atr } from '../indicators/atr';
import type { Strategy } from '../strategies/types';
import type { BarColumns } from './columns';
import { resolveConfig, type ResolvedConfig } from './config';
import { pyFloorDiv } from './pyFloorDiv';
import type { BacktestConfig, BacktestResult, ExitReason, Trade } from './types';
import { assertNever } from '../util/assert';

/** the account during a backtest: at most one position (pos = +1 long, -1 short, 0 flat) */
class Book {
  cash: number;
  pos = 0;
  size = 0;
  entryPrice = 0;
  entryComm = 0;
  entryIndex = 0;
  stopPrice = 0;
  targetPrice = 0;
  restingSide = 0;
  restingPrice = 0;
  restingUntil = 0;
  totalCommission = 0;
  skipped = 0;
  readonly trades: Trade[] = [];

  constructor(
    private readonly cfg: ResolvedConfig,
    private readonly cols: BarColumns,
  ) {
    this.cash = cfg.cash;
  }

  commission(qty: number, price: number): number {
    const c = this.cfg.commission;
    // the term order matches backtesting.py (fixed + |size| * price * rate) bit for bit
    return c.fixed + qty * c.perShare + qty * price * c.pct;
  }

  /** price after slippage for an order of `side` (+1 buy, -1 sell); atr is as of the previous bar */
  slip(price: number, side: number, atr: number | null): number {
    const s = this.cfg.slippage;
    switch (s.kind) {
      case 'none':
        return price;
      case 'bps':
        return price * (1 + (side * s.bps) / 10_000);
      case 'atr':
        return atr === null ? price : price + side * s.fraction * atr;
      default:
        return assertNever(s, 'slippage model');
    }
  }

  /** whole-step quantity affordable with `f` of the cash at `price`, commissions included */
  affordable(f: number, price: number): number {
    const c = this.cfg.commission;
    // backtesting.py: int(cash * f // (price + commission(f, price) / f)), with its floor division
    const unitCost = price + (f * c.perShare + f * price * c.pct) / f;
    const budget = this.cash * f - c.fixed;
    if (!(budget > 0)) return 0;
    const step = this.cfg.qtyStep;
    if (step === 1) return pyFloorDiv(budget, unitCost);
    return Math.floor(budget / unitCost / step + 1e-9) * step;
  }

  sizeFor(side: number, price: number, atr: number | null, i: number): number {
    const sz = this.cfg.sizing;
    let qty: number;
    switch (sz.kind) {
      case 'all-in':
        qty = this.affordable(sz.fraction ?? 1 - 2 ** -52, price);
        break;
      case 'fixed-fraction':
        qty = this.affordable(sz.fraction, price);
        break;
      case 'risk': {
        if (atr === null || !(atr > 0)) return 0;
        const step = this.cfg.qtyStep;
        const byRisk = Math.floor((this.cash * sz.riskFraction) / (sz.stopAtr * atr) / step) * step;
        qty = Math.min(byRisk, this.affordable(1 - 2 ** -52, price));
        break;
      }
      default:
        return assertNever(sz, 'sizing model');
    }
    if (qty > 0 && this.cfg.riskGate) {
      const approved = this.cfg.riskGate({ side: side > 0 ? 'long' : 'short', qty, price, equity: this.cash, time: this.cols.t[i]!, index: i });
      qty = Math.min(qty, Math.max(0, approved));
    }
    return qty;
  }

  open(i: number, side: number, price: number, atr: number | null): void {
    const qty = this.sizeFor(side, price, atr, i);
    if (!(qty > 0)) {
      this.skipped++;
      return;
    }
    const comm = this.commission(qty, price);
    this.cash -= comm;
    this.totalCommission += comm;
    this.pos = side;
    this.size = qty;
    this.entryPrice = price;
    this.entryComm = comm;
    this.entryIndex = i;
    const sl = this.cfg.stopLossPct;
    const tp = this.cfg.takeProfitPct;
    this.stopPrice = sl > 0 ? price * (1 - side * sl) : 0;
    this.targetPrice = tp > 0 ? price * (1 + side * tp) : 0;
  }

  close(i: number, price: number, time: number, reason: ExitReason): void {
    const qty = this.size;
    const side = this.pos;
    const comm = this.commission(qty, price);
    const gross = side * qty * (price - this.entryPrice);
    this.cash -= comm;
    this.cash += gross;
    this.totalCommission += comm;
    const pnl = gross - this.entryComm - comm;
    this.trades.push({
      side: side > 0 ? 'long' : 'short',
      size: qty,
      entryIndex: this.entryIndex,
      exitIndex: i,
      entryTime: this.cols.t[this.entryIndex]!,
      exitTime: time,
      entryPrice: this.entryPrice,
      exitPrice: price,
      pnl,
      returnPct: pnl / (qty * this.entryPrice),
      commission: this.entryComm + comm,
      exitReason: reason,
    });
    this.pos = 0;
    this.size = 0;
  }
}

/** calls to a backtest's progress callback per run, at most: one per 1% of the bars */
export const BACKTEST_PROGRESS_STEPS = 100;

/**
 * `onProgress(done, total)` is called after every 1% of the bars (so at most
 * BACKTEST_PROGRESS_STEPS times, the last with done = total); it must not throw.
 */
export function runBacktest(cols: BarColumns, strategy: Strategy, config: BacktestConfig, onProgress?: (done: number, total: number) => void): BacktestResult {
  const cfg = resolveConfig(config);
  const n = cols.length;
  if (n < 2) throw new RangeError(`backtest needs at least 2 bars, got ${n}`);
  // one integer compare per bar; without a callback the next report is bar -1, never reached
  const progressStep = Math.ceil(n / BACKTEST_PROGRESS_STEPS);
  let nextReport = onProgress ? Math.min(progressStep, n) - 1 : -1;
  const { t, o, h, l, c, v } = cols;
  const book = new Book(cfg, cols);
  const equity = new Float64Array(n);
  const atrInd = cfg.atrPeriod > 0 ? new Atr(cfg.atrPeriod) : null;
  const entryKind = cfg.entry.kind;
  const entryOffset = cfg.entry.kind === 'market' ? 0 : cfg.entry.offsetBps / 10_000;
  const validBars = cfg.entry.kind === 'market' ? 0 : cfg.entry.validBars;
  const protective = cfg.stopLossPct > 0 || cfg.takeProfitPct > 0;
  const reopen = cfg.onRepeatSignal === 'reopen';
  const bar: Bar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0 };
  let atr: number | null = null;
  let hasPending = false;
  let pendingTarget = 0;
  let pendingReopen = false;
  let barsInMarket = 0;

  for (let i = 0; i < n; i++) {
    const oi = o[i]!;
    if (hasPending) {
      hasPending = false;
      book.restingSide = 0;
      if (book.pos !== 0 && (book.pos !== pendingTarget || pendingReopen)) {
        book.close(i, book.slip(oi, -book.pos, atr), t[i]!, 'signal');
      }
      if (pendingTarget !== 0 && book.pos === 0) {
        if (entryKind === 'market') book.open(i, pendingTarget, book.slip(oi, pendingTarget, atr), atr);
        else {
          // a limit buys below / sells above the signal close; a stop buys above / sells below
          const sign = entryKind === 'limit' ? -pendingTarget : pendingTarget;
          book.restingSide = pendingTarget;
          book.restingPrice = c[i - 1]! * (1 + sign * entryOffset);
          book.restingUntil = i + validBars - 1;
        }
      }
    }
    if (book.restingSide !== 0) fillResting(book, i, oi, h[i]!, l[i]!, entryKind === 'limit', atr);
    if (protective && book.pos !== 0) protect(book, i, oi, h[i]!, l[i]!, t[i]!, atr);

    if (atrInd !== null) atr = atrInd.updateHlc(h[i]!, l[i]!, c[i]!);
    bar.t = t[i]!;
    bar.o = oi;
    bar.h = h[i]!;
    bar.l = l[i]!;
    bar.c = c[i]!;
    bar.v = v[i]!;
    const sig = strategy.onBar(bar);
    if (sig !== null) {
      const target = sig.direction === 'long' ? 1 : sig.direction === 'short' ? (cfg.allowShort ? -1 : 0) : 0;
      const repeat = target === book.pos;
      if (!repeat || (reopen && target !== 0) || book.restingSide !== 0) {
        hasPending = true;
        pendingTarget = target;
        pendingReopen = repeat && reopen && target !== 0;
      }
    }
    if (book.pos !== 0) {
      barsInMarket++;
      equity[i] = book.cash + book.pos * book.size * (c[i]! - book.entryPrice);
    } else {
      equity[i] = book.cash;
    }
    if (i === nextReport) {
      onProgress!(i + 1, n);
      nextReport = Math.min(i + progressStep, n - 1);
    }
  }

  const last = n - 1;
  if (book.pos !== 0 && cfg.closeAtEnd !== 'none') {
    const px = cfg.closeAtEnd === 'last-open' ? o[last]! : c[last]!;
    book.close(last, book.slip(px, -book.pos, atr), t[last]!, 'end');
    equity[last] = book.cash;
  }
  return {
    trades: book.trades,
    equity,
    times: t,
    initialCash: cfg.cash,
    finalEquity: equity[last]!,
    totalCommission: book.totalCommission,
    barsInMarket,
    warmup: strategy.warmup,
    skippedEntries: book.skipped,
  };
}

function fillResting(book: Book, i: number, open: number, high: number, low: number, isLimit: boolean, atr: number | null): void {
  const side = book.restingSide;
  const px = book.restingPrice;
  let fill = Number.NaN;
  if (isLimit) {
    // buy limit: fills at the open if it gapped below the limit, else at the limit if touched
    if (side > 0 ? open <= px : open >= px) fill = open;
    else if (side > 0 ? low <= px : high >= px) fill = px;
  } else {
    // buy stop: fills at the open if it gapped above the stop, else at the stop (then slips)
    if (side > 0 ? open >= px : open <= px) fill = book.slip(open, side, atr);
    else if (side > 0 ? high >= px : low <= px) fill = book.slip(px, side, atr);
  }
  if (!Number.isNaN(fill)) {
    book.restingSide = 0;
    book.open(i, side, fill, atr);
  } else if (i >= book.restingUntil) {
    book.restingSide = 0;
  }
}

function protect(book: Book, i: number, open: number, high: number, low: number, time: number, atr: number | null): void {
  const side = book.pos;
  const sp = book.stopPrice;
  const tp = book.targetPrice;
  if (sp > 0) {
    const gapped = book.entryIndex !== i && (side > 0 ? open <= sp : open >= sp);
    if (gapped || (side > 0 ? low <= sp : high >= sp)) {
      book.close(i, book.slip(gapped ? open : sp, -side, atr), time, 'stop-loss');
      return;
    }
  }
  if (tp > 0) {
    const gapped = book.entryIndex !== i && (side > 0 ? open >= tp : open <= tp);
    if (gapped || (side > 0 ? high >= tp : low <= tp)) book.close(i, gapped ? open : tp, time, 'take-profit');
  }
}
