// The lab's data: bars the store caches for each simulator symbol ("sim:AAPL") and imported
// CSVs ("csv:GOOG"). A dataset is pinned to its bar range when a run starts, so a simulator
// symbol that keeps growing still gives the run (and its chart) exactly the bars it used.
import type { LabDataset, LabDatasetBars } from '../../engine/api/lab';
import type { BarColumns } from '../../engine/backtest/columns';
import { TIMEFRAME_MS, type Bar, type Instrument, type Timeframe } from '../../engine/domain/types';
import type { LabRepo } from '../../db/repositories/lab';
import type { BarCoverage } from '../../db/repositories/bars';

/** What the lab needs from the store (SqliteStore satisfies it). */
export interface LabStore {
  readonly lab: LabRepo;
  barCoverage(symbol: string, timeframe: Timeframe): BarCoverage | null;
  loadBarColumns(symbol: string, timeframe: Timeframe, fromT: number, toT: number): BarColumns;
}

/** a symbol whose live bars the store caches */
export interface CachedSymbol {
  symbol: string;
  timeframe: Timeframe;
  /** smallest quantity step (1 = whole shares; crypto trades fractions) */
  qtyStep: number;
  /** the instrument as live trading sees it, for the risk gate (default: a whole-share, shortable stock) */
  instrument?: Instrument;
}

/** a dataset pinned to the bars it had when resolved */
export interface PinnedDataset {
  info: LabDataset;
  qtyStep: number;
  /** what the risk gate checks entries against */
  instrument: Instrument;
  load(): BarColumns;
}

export class UnknownDatasetError extends Error {
  override readonly name = 'UnknownDatasetError';
}

export class DatasetCatalog {
  constructor(
    private readonly store: LabStore,
    private readonly cachedSymbols: () => readonly CachedSymbol[],
  ) {}

  list(): LabDataset[] {
    const sim: LabDataset[] = [];
    for (const s of this.cachedSymbols()) {
      const pinned = this.pinSim(s);
      if (pinned) sim.push(pinned.info);
    }
    return [...sim, ...this.store.lab.listDatasets()];
  }

  /** throws UnknownDatasetError naming the datasets there are */
  pin(id: string): PinnedDataset {
    if (id.startsWith('sim:')) {
      const s = this.cachedSymbols().find((c) => `sim:${c.symbol}` === id);
      const pinned = s ? this.pinSim(s) : null;
      if (pinned) return pinned;
    } else if (id.startsWith('csv:')) {
      const info = this.store.lab.getDataset(id);
      if (info) return { info, qtyStep: 1, instrument: plainStock(info.name, 1), load: () => this.store.lab.loadDatasetColumns(id) };
    }
    const known = this.list().map((d) => d.id);
    throw new UnknownDatasetError(`unknown dataset "${id}"; ${known.length ? `choose one of ${known.join(', ')}` : 'there are none yet: import a CSV'}`);
  }

  private pinSim(s: CachedSymbol): PinnedDataset | null {
    const cov = this.store.barCoverage(s.symbol, s.timeframe);
    if (cov === null) return null;
    const info: LabDataset = {
      id: `sim:${s.symbol}`,
      source: 'sim',
      name: `${s.symbol} (simulator ${s.timeframe})`,
      bars: cov.count,
      firstT: cov.firstT,
      lastT: cov.lastT,
      intervalMs: TIMEFRAME_MS[s.timeframe],
      origin: `bars cached by the simulator, ${s.timeframe}`,
      importedAt: null,
      issueCount: 0,
    };
    const instrument = s.instrument ?? plainStock(s.symbol, s.qtyStep);
    return { info, qtyStep: s.qtyStep, instrument, load: () => this.store.loadBarColumns(s.symbol, s.timeframe, cov.firstT, cov.lastT) };
  }
}

/** the usual bar spacing: the median of (at most) the last 1000 intervals */
export function medianInterval(t: Float64Array): number | null {
  const from = Math.max(1, t.length - 1000);
  const diffs: number[] = [];
  for (let i = from; i < t.length; i++) diffs.push(t[i]! - t[i - 1]!);
  if (diffs.length === 0) return null;
  diffs.sort((a, b) => a - b);
  return diffs[diffs.length >> 1]!;
}

/**
 * Bars with fromT <= t <= toT for a chart of at most maxBars candles: when there are more, each
 * candle merges consecutive bars (first open, highest high, lowest low, last close, summed volume).
 */
export function chartBars(dataset: string, cols: BarColumns, maxBars: number, fromT = -Infinity, toT = Infinity): LabDatasetBars {
  let from = 0;
  while (from < cols.length && cols.t[from]! < fromT) from++;
  let to = cols.length;
  while (to > from && cols.t[to - 1]! > toT) to--;
  const n = to - from;
  const per = Math.max(1, Math.ceil(n / maxBars));
  const bars: Bar[] = [];
  for (let i = from; i < to; i += per) {
    const end = Math.min(to, i + per);
    let h = cols.h[i]!;
    let l = cols.l[i]!;
    let v = 0;
    for (let j = i; j < end; j++) {
      if (cols.h[j]! > h) h = cols.h[j]!;
      if (cols.l[j]! < l) l = cols.l[j]!;
      v += cols.v[j]!;
    }
    bars.push({ t: cols.t[i]!, o: cols.o[i]!, h, l, c: cols.c[end - 1]!, v });
  }
  return { dataset, bars, barsPerCandle: per };
}

/**
 * An imported CSV says nothing about its instrument: it is taken as an ordinary US stock (whole
 * shares, no minimum notional, shortable), so the gate applies the account-level rules and the
 * run's own allowShort decides shorting.
 */
function plainStock(symbol: string, qtyStep: number): Instrument {
  return { symbol, name: symbol, assetClass: 'us_equity', priceIncrement: 0.01, qtyIncrement: qtyStep, minNotional: 0, fractionable: qtyStep < 1, shortable: true };
}
