// Positions slice: the engine sends the whole list on every change.
import { create } from 'zustand';
import type { PositionView } from '../../engine/domain/types';

export interface PositionsSlice {
  positions: PositionView[];
}

export const usePositionsStore = create<PositionsSlice>(() => ({ positions: [] }));

/** Positions worth a row: a closed position (qty 0) keeps realized P&L but is not open. */
export function openPositions(all: readonly PositionView[]): PositionView[] {
  return all.filter((p) => p.qty !== 0).sort((a, b) => a.symbol.localeCompare(b.symbol));
}
