// The short path for live market data: bars:tick and fills:new go from the bridge straight to
// the chart on screen, never through React state (at high simulator speeds that is hundreds of
// bars a second, most of them for symbols nobody is looking at).
import type { BarTick } from '../../engine/api/contract';
import type { Fill } from '../../engine/domain/types';

export interface ChartSink {
  applyTicks(ticks: readonly BarTick[]): void;
  addFill(fill: Fill): void;
}

let sink: ChartSink | null = null;

export const chartFeed = {
  /** the chart on screen registers itself; returns the detach function */
  attach(next: ChartSink): () => void {
    sink = next;
    return () => {
      if (sink === next) sink = null;
    };
  },
  pushTicks(ticks: readonly BarTick[]): void {
    sink?.applyTicks(ticks);
  },
  pushFill(fill: Fill): void {
    sink?.addFill(fill);
  },
};
