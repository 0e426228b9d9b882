// Chart slice: which instrument the chart shows and what it can choose from. The bars
// themselves never enter React state: they go straight to the chart series (see chart/).
import { create } from 'zustand';
import type { Instrument, Settings, Timeframe } from '../../engine/domain/types';

export interface ChartSlice {
  instruments: Instrument[];
  timeframe: Timeframe;
  selectedSymbol: string | null;
  /** bumped on every snapshot load, so the chart reloads its history after a reconnect */
  historyEpoch: number;
}

export const useChartStore = create<ChartSlice>(() => ({
  instruments: [],
  timeframe: '1Min',
  selectedSymbol: null,
  historyEpoch: 0,
}));

/** Keep the user's choice when it still exists; else the strategy's first symbol; else the first instrument. */
export function chooseSymbol(current: string | null, instruments: readonly Instrument[], settings: Settings | null): string | null {
  const known = new Set(instruments.map((i) => i.symbol));
  if (current && known.has(current)) return current;
  const preferred = settings?.strategy.symbols.find((s) => known.has(s));
  return preferred ?? instruments[0]?.symbol ?? null;
}
