// Owns one lightweight-charts chart: candles, volume, the strategy's two SMAs, fill markers and
// entry lines of open positions. Live bars are merged into a bounded buffer as they arrive and
// pushed to the series in an animation frame at most every CHART_MIN_REDRAW_MS (bars.ts):
// series.update for a few new bars, setData after a trim or a burst. The chart keeps up with a
// fast simulator without React and without taking the machine's CPU from the engine.
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  createSeriesMarkers,
  type CandlestickData,
  type HistogramData,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { BarTick, BarsHistory } from '../../engine/api/contract';
import type { Bar, Fill, PositionView } from '../../engine/domain/types';
import type { ChartSink } from './chartFeed';
import { barTimeForFill, mergeBar, redrawDelayMs, smaAt, smaSeries, trimBars } from './bars';

export const CHART_COLORS = {
  background: '#0d1117',
  text: '#9da7b3',
  grid: '#1b222c',
  up: '#26a69a',
  down: '#ef5350',
  volumeUp: 'rgba(38, 166, 154, 0.35)',
  volumeDown: 'rgba(239, 83, 80, 0.35)',
  smaFast: '#f0b429',
  smaSlow: '#58a6ff',
  buy: '#3fb950',
  sell: '#f85149',
  entryLong: '#3fb950',
  entryShort: '#f85149',
} as const;

/** More changed bars than this in one frame: one setData is cheaper than many updates. */
const INCREMENTAL_LIMIT = 50;
const FILLS_KEPT = 500;

const toTime = (ms: number): UTCTimestamp => Math.floor(ms / 1000) as UTCTimestamp;

const candleOf = (b: Bar): CandlestickData<Time> => ({ time: toTime(b.t), open: b.o, high: b.h, low: b.l, close: b.c });
const volumeOf = (b: Bar): HistogramData<Time> => ({
  time: toTime(b.t),
  value: b.v,
  color: b.c >= b.o ? CHART_COLORS.volumeUp : CHART_COLORS.volumeDown,
});

function formatPrice(x: number): string {
  return x >= 1 ? x.toFixed(2) : x.toPrecision(4);
}

export class PriceChartController implements ChartSink {
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  private readonly smaFast: ISeriesApi<'Line'>;
  private readonly smaSlow: ISeriesApi<'Line'>;
  private readonly markers: ISeriesMarkersPluginApi<Time>;
  private entryLines: IPriceLine[] = [];

  private symbol: string | null = null;
  /** true between showSymbol and setHistory: live bars wait in `early` */
  private loading = false;
  private early: Bar[] = [];
  private bars: Bar[] = [];
  private fills: Fill[] = [];
  /**
   * Bar a live fill arrived on, by fill id. The simulator stamps bars with its own market time
   * (running ahead at sim speed) but fills with the engine clock, so a live fill is pinned to the
   * bar on screen when it happened rather than looked up by its timestamp.
   */
  private readonly livePlacement = new Map<string, number>();
  private fastPeriod = 0;
  private slowPeriod = 0;

  /** bars changed since the last frame, in time order, or 'full' when the series must be reset */
  private changed: Bar[] | 'full' = [];
  private frame: number | null = null;
  /** waiting out CHART_MIN_REDRAW_MS before asking for the frame */
  private redrawDelay: ReturnType<typeof setTimeout> | null = null;
  private lastFlushAt = -Infinity;
  private disposed = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly legend: HTMLElement | null,
  ) {
    this.chart = createChart(container, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: CHART_COLORS.background },
        textColor: CHART_COLORS.text,
        fontFamily: 'system-ui, sans-serif',
        attributionLogo: false,
      },
      grid: { vertLines: { color: CHART_COLORS.grid }, horzLines: { color: CHART_COLORS.grid } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: CHART_COLORS.grid, scaleMargins: { top: 0.08, bottom: 0.25 } },
      timeScale: { borderColor: CHART_COLORS.grid, timeVisible: true, secondsVisible: false, rightOffset: 4 },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: CHART_COLORS.up,
      downColor: CHART_COLORS.down,
      borderVisible: false,
      wickUpColor: CHART_COLORS.up,
      wickDownColor: CHART_COLORS.down,
    });
    this.volume = this.chart.addSeries(HistogramSeries, {
      priceFormat: { type: 'volume' },
      priceScaleId: 'volume',
      lastValueVisible: false,
      priceLineVisible: false,
    });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    const line = { lineWidth: 2 as const, lastValueVisible: false, priceLineVisible: false, crosshairMarkerVisible: false };
    this.smaFast = this.chart.addSeries(LineSeries, { ...line, color: CHART_COLORS.smaFast });
    this.smaSlow = this.chart.addSeries(LineSeries, { ...line, color: CHART_COLORS.smaSlow });
    this.markers = createSeriesMarkers(this.candles, []);
    this.publishBarCount();
  }

  /** Switch to a symbol: clears the chart until its history arrives. */
  showSymbol(symbol: string): void {
    this.symbol = symbol;
    this.loading = true;
    this.early = [];
    this.bars = [];
    this.fills = [];
    this.scheduleFull();
  }

  setHistory(history: BarsHistory): void {
    if (history.symbol !== this.symbol) return;
    const bars: Bar[] = [];
    for (const b of [...history.bars].sort((x, y) => x.t - y.t)) mergeBar(bars, b);
    for (const b of this.early) mergeBar(bars, b);
    trimBars(bars);
    this.bars = bars;
    this.early = [];
    this.loading = false;
    this.fills = history.fills.slice(-FILLS_KEPT);
    this.scheduleFull();
    this.chart.timeScale().scrollToRealTime();
  }

  setSmaPeriods(fast: number, slow: number): void {
    if (fast === this.fastPeriod && slow === this.slowPeriod) return;
    this.fastPeriod = fast;
    this.slowPeriod = slow;
    this.smaFast.applyOptions({ title: `SMA ${fast}` });
    this.smaSlow.applyOptions({ title: `SMA ${slow}` });
    this.scheduleFull();
  }

  /** Dashed line at the average entry of each open position in this chart's symbol. */
  setEntryLines(positions: readonly PositionView[]): void {
    for (const l of this.entryLines) this.candles.removePriceLine(l);
    this.entryLines = positions
      .filter((p) => p.symbol === this.symbol && p.qty !== 0)
      .map((p) =>
        this.candles.createPriceLine({
          price: p.avgEntryPrice,
          color: p.qty > 0 ? CHART_COLORS.entryLong : CHART_COLORS.entryShort,
          lineWidth: 1,
          lineStyle: LineStyle.Dashed,
          axisLabelVisible: true,
          title: `${p.qty > 0 ? 'Long' : 'Short'} ${Math.abs(p.qty)} entry`,
        }),
      );
  }

  applyTicks(ticks: readonly BarTick[]): void {
    if (this.disposed || this.symbol === null) return;
    for (const tick of ticks) {
      if (tick.symbol !== this.symbol) continue;
      if (this.loading) {
        this.early.push(tick.bar);
        continue;
      }
      const merged = mergeBar(this.bars, tick.bar);
      if (merged !== 'appended' && merged !== 'replaced') continue;
      if (this.changed !== 'full') {
        const last = this.changed[this.changed.length - 1];
        if (last && last.t === tick.bar.t) this.changed[this.changed.length - 1] = tick.bar;
        else this.changed.push(tick.bar);
        if (this.changed.length > INCREMENTAL_LIMIT) this.changed = 'full';
      }
    }
    if (trimBars(this.bars)) this.changed = 'full';
    if (this.changed === 'full' || this.changed.length > 0) this.scheduleFrame();
  }

  addFill(fill: Fill): void {
    if (this.disposed || fill.symbol !== this.symbol) return;
    if (this.fills.some((f) => f.fillId === fill.fillId)) return;
    const onBar = this.bars[this.bars.length - 1];
    if (onBar && !this.loading) {
      this.livePlacement.set(fill.fillId, onBar.t);
      if (this.livePlacement.size > FILLS_KEPT) {
        const oldest = this.livePlacement.keys().next();
        if (!oldest.done) this.livePlacement.delete(oldest.value);
      }
    }
    this.fills.push(fill);
    if (this.fills.length > FILLS_KEPT) this.fills.splice(0, this.fills.length - FILLS_KEPT);
    this.refreshMarkers();
  }

  dispose(): void {
    this.disposed = true;
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    if (this.redrawDelay !== null) clearTimeout(this.redrawDelay);
    this.chart.remove();
  }

  private scheduleFull(): void {
    this.changed = 'full';
    this.scheduleFrame();
  }

  private scheduleFrame(): void {
    if (this.frame !== null || this.redrawDelay !== null || this.disposed) return;
    const wait = redrawDelayMs(this.lastFlushAt, performance.now());
    if (wait > 0) {
      this.redrawDelay = setTimeout(() => {
        this.redrawDelay = null;
        this.scheduleFrame();
      }, wait);
      return;
    }
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.flush();
    });
  }

  private flush(): void {
    if (this.disposed) return;
    this.lastFlushAt = performance.now();
    const changed = this.changed;
    this.changed = [];
    if (changed === 'full') {
      this.candles.setData(this.bars.map(candleOf));
      this.volume.setData(this.bars.map(volumeOf));
      this.smaFast.setData(this.smaLine(this.fastPeriod));
      this.smaSlow.setData(this.smaLine(this.slowPeriod));
      this.refreshMarkers();
    } else {
      const firstIndex = this.bars.length - changed.length;
      changed.forEach((bar, k) => {
        this.candles.update(candleOf(bar));
        this.volume.update(volumeOf(bar));
        this.updateSma(this.smaFast, this.fastPeriod, firstIndex + k);
        this.updateSma(this.smaSlow, this.slowPeriod, firstIndex + k);
      });
    }
    this.publishBarCount();
    this.renderLegend();
  }

  private smaLine(period: number): LineData<Time>[] {
    return period > 0 ? smaSeries(this.bars, period).map((p) => ({ time: toTime(p.t), value: p.value })) : [];
  }

  private updateSma(series: ISeriesApi<'Line'>, period: number, index: number): void {
    const bar = this.bars[index];
    const value = smaAt(this.bars, period, index);
    if (bar && value !== null) series.update({ time: toTime(bar.t), value });
  }

  private refreshMarkers(): void {
    const first = this.bars[0];
    const placed: { fill: Fill; t: number }[] = [];
    for (const fill of this.fills) {
      const pinned = this.livePlacement.get(fill.fillId);
      // a pinned fill whose bar scrolled out of the buffer has no place any more
      const t = pinned !== undefined ? (first && pinned >= first.t ? pinned : null) : barTimeForFill(this.bars, fill.time);
      if (t !== null) placed.push({ fill, t });
    }
    // the markers plugin wants them in time order
    placed.sort((a, b) => a.t - b.t || a.fill.time - b.fill.time);
    const markers: SeriesMarker<Time>[] = [];
    for (const { fill: f, t } of placed) {
      const buy = f.side === 'buy';
      markers.push({
        time: toTime(t),
        position: buy ? 'belowBar' : 'aboveBar',
        shape: buy ? 'arrowUp' : 'arrowDown',
        color: buy ? CHART_COLORS.buy : CHART_COLORS.sell,
        text: `${buy ? 'B' : 'S'} ${f.qty} @ ${formatPrice(f.price)}`,
        id: f.fillId,
      });
    }
    this.markers.setMarkers(markers);
    this.container.dataset.markers = String(markers.length);
  }

  /** The number of bars in the series, on the container for tests and tooling (data-bars). */
  private publishBarCount(): void {
    this.container.dataset.bars = String(this.bars.length);
  }

  private renderLegend(): void {
    if (!this.legend) return;
    const last = this.bars[this.bars.length - 1];
    if (!last) {
      this.legend.textContent = this.loading ? 'loading history…' : 'no bars yet';
      return;
    }
    const n = this.bars.length - 1;
    const fast = smaAt(this.bars, this.fastPeriod, n);
    const slow = smaAt(this.bars, this.slowPeriod, n);
    const parts = [
      `O ${formatPrice(last.o)}`,
      `H ${formatPrice(last.h)}`,
      `L ${formatPrice(last.l)}`,
      `C ${formatPrice(last.c)}`,
      `V ${Math.round(last.v).toLocaleString('en-US')}`,
      fast !== null ? `SMA ${this.fastPeriod} ${formatPrice(fast)}` : `SMA ${this.fastPeriod} –`,
      slow !== null ? `SMA ${this.slowPeriod} ${formatPrice(slow)}` : `SMA ${this.slowPeriod} –`,
    ];
    this.legend.textContent = parts.join('   ');
  }
}
