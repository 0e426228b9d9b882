// The Lab's two charts, lightweight-charts in the app's dark theme: equity over drawdown (two
// panes, one time axis), and the dataset's candles with each trade's entry and exit marked.
import {
  AreaSeries,
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  LineSeries,
  createChart,
  createSeriesMarkers,
  type DeepPartial,
  type ChartOptions,
  type IChartApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { CurvePoint, LabTrade } from '../../engine/api/lab';
import type { Bar } from '../../engine/domain/types';
import { CHART_COLORS } from '../chart/PriceChartController';

const toTime = (ms: number): UTCTimestamp => Math.floor(ms / 1000) as UTCTimestamp;

/** lightweight-charts wants strictly increasing times (seconds): the last point of a second wins */
export function uniqueSeconds<T>(points: readonly T[], timeOf: (p: T) => number): T[] {
  const out: T[] = [];
  for (const p of points) {
    const prev = out[out.length - 1];
    if (prev !== undefined && toTime(timeOf(prev)) >= toTime(timeOf(p))) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

function baseOptions(): DeepPartial<ChartOptions> {
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: CHART_COLORS.background },
      textColor: CHART_COLORS.text,
      fontFamily: 'system-ui, sans-serif',
      attributionLogo: false,
      panes: { separatorColor: CHART_COLORS.grid },
    },
    grid: { vertLines: { color: CHART_COLORS.grid }, horzLines: { color: CHART_COLORS.grid } },
    crosshair: { mode: CrosshairMode.Normal },
    rightPriceScale: { borderColor: CHART_COLORS.grid },
    timeScale: { borderColor: CHART_COLORS.grid, timeVisible: true, secondsVisible: false },
  };
}

/** equity (top pane) and drawdown in percent (bottom pane); returns the dispose function */
export function drawCurves(container: HTMLElement, equity: readonly CurvePoint[], drawdown: readonly CurvePoint[]): () => void {
  const chart: IChartApi = createChart(container, baseOptions());
  const eq = chart.addSeries(LineSeries, { color: '#58a6ff', lineWidth: 2, priceLineVisible: false, title: 'Equity' });
  eq.setData(uniqueSeconds(equity, (p) => p.t).map((p) => ({ time: toTime(p.t), value: p.v })));
  const dd = chart.addSeries(
    AreaSeries,
    {
      lineColor: CHART_COLORS.down,
      topColor: 'rgba(239, 83, 80, 0.05)',
      bottomColor: 'rgba(239, 83, 80, 0.4)',
      lineWidth: 1,
      priceLineVisible: false,
      title: 'Drawdown %',
      priceFormat: { type: 'custom', formatter: (x: number) => `${x.toFixed(1)}%` },
    },
    1,
  );
  dd.setData(uniqueSeconds(drawdown, (p) => p.t).map((p) => ({ time: toTime(p.t), value: p.v * 100 })));
  chart.panes()[1]?.setStretchFactor(0.45);
  chart.timeScale().fitContent();
  container.dataset.points = String(equity.length);
  return () => chart.remove();
}

/** markers drawn at most: past this the chart would be a smear of arrows */
export const MAX_TRADE_MARKERS = 1500;

/** index of the last candle starting at or before t (candles sorted by time) */
export function candleIndexAt(bars: readonly Bar[], t: number): number {
  let lo = 0;
  let hi = bars.length - 1;
  if (hi < 0 || t < bars[0]!.t) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (bars[mid]!.t <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function tradeMarkers(bars: readonly Bar[], trades: readonly LabTrade[]): SeriesMarker<Time>[] {
  const markers: { t: number; m: SeriesMarker<Time> }[] = [];
  for (const tr of trades.slice(0, MAX_TRADE_MARKERS)) {
    const long = tr.side === 'long';
    const entry = candleIndexAt(bars, tr.entryTime);
    const exit = candleIndexAt(bars, tr.exitTime);
    if (entry >= 0) {
      const t = bars[entry]!.t;
      markers.push({
        t,
        m: { time: toTime(t), position: long ? 'belowBar' : 'aboveBar', shape: long ? 'arrowUp' : 'arrowDown', color: long ? CHART_COLORS.buy : CHART_COLORS.sell, text: `${long ? 'L' : 'S'} ${tr.size}` },
      });
    }
    if (exit >= 0) {
      const t = bars[exit]!.t;
      markers.push({ t, m: { time: toTime(t), position: long ? 'aboveBar' : 'belowBar', shape: 'circle', color: tr.pnl >= 0 ? '#7ee787' : '#ffa198', text: tr.pnl >= 0 ? '+' : '−' } });
    }
  }
  // the markers plugin wants them in time order
  return markers.sort((a, b) => a.t - b.t).map((x) => x.m);
}

/** candles with the trades marked; returns the dispose function */
export function drawTrades(container: HTMLElement, bars: readonly Bar[], trades: readonly LabTrade[]): () => void {
  const chart = createChart(container, baseOptions());
  const candles = chart.addSeries(CandlestickSeries, {
    upColor: CHART_COLORS.up,
    downColor: CHART_COLORS.down,
    borderVisible: false,
    wickUpColor: CHART_COLORS.up,
    wickDownColor: CHART_COLORS.down,
  });
  const unique = uniqueSeconds(bars, (b) => b.t);
  candles.setData(unique.map((b) => ({ time: toTime(b.t), open: b.o, high: b.h, low: b.l, close: b.c })));
  const markers = tradeMarkers(unique, trades);
  createSeriesMarkers(candles, markers);
  chart.timeScale().fitContent();
  container.dataset.markers = String(markers.length);
  return () => chart.remove();
}
