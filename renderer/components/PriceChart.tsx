// The chart panel: symbol picker, legend, and the lightweight-charts canvas driven by
// PriceChartController. React only decides which symbol and settings; bars bypass it.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api';
import { MAX_CHART_BARS } from '../chart/bars';
import { chartFeed } from '../chart/chartFeed';
import { PriceChartController } from '../chart/PriceChartController';
import { useChartStore } from '../store/chart';
import { usePositionsStore } from '../store/positions';
import { useSettingsStore } from '../store/settings';
import { pushToast } from '../store/toasts';

function SymbolPicker() {
  const instruments = useChartStore((s) => s.instruments);
  const selected = useChartStore((s) => s.selectedSymbol);
  return (
    <select
      className="symbol-picker"
      aria-label="Chart symbol"
      value={selected ?? ''}
      onChange={(e) => useChartStore.setState({ selectedSymbol: e.target.value })}
    >
      {instruments.map((i) => (
        <option key={i.symbol} value={i.symbol}>
          {i.symbol} — {i.name}
        </option>
      ))}
    </select>
  );
}

export function PriceChart() {
  const containerRef = useRef<HTMLDivElement>(null);
  const legendRef = useRef<HTMLDivElement>(null);
  const controllerRef = useRef<PriceChartController | null>(null);
  const symbol = useChartStore((s) => s.selectedSymbol);
  const timeframe = useChartStore((s) => s.timeframe);
  const epoch = useChartStore((s) => s.historyEpoch);
  const fast = useSettingsStore((s) => s.settings?.strategy.fast ?? 0);
  const slow = useSettingsStore((s) => s.settings?.strategy.slow ?? 0);
  const positions = usePositionsStore((s) => s.positions);
  const [historyError, setHistoryError] = useState<string | null>(null);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const controller = new PriceChartController(container, legendRef.current);
    controllerRef.current = controller;
    const detach = chartFeed.attach(controller);
    return () => {
      detach();
      // no chart on screen: no live bars for this window (the next chart asks for its own)
      void api.request('bars:watch', { symbols: [] });
      controller.dispose();
      controllerRef.current = null;
    };
  }, []);

  useEffect(() => {
    const controller = controllerRef.current;
    if (!controller || !symbol) return;
    let current = true;
    controller.showSymbol(symbol);
    setHistoryError(null);
    // Live bars of this symbol only (the others would be parsed to be dropped), asked for before
    // the history so no bar falls between the two. Again after every snapshot (epoch): a new
    // connection starts with every symbol's. A refusal costs only speed: every bar still comes.
    void api.request('bars:watch', { symbols: [symbol] });
    void api.request('bars:history', { symbol, limit: MAX_CHART_BARS }).then((result) => {
      if (!current) return;
      if (result.ok) {
        controller.setHistory(result.value);
      } else {
        setHistoryError(result.error.message);
        pushToast('error', `Could not load ${symbol} bars`, result.error.message);
      }
    });
    return () => {
      current = false;
    };
  }, [symbol, epoch]);

  useEffect(() => {
    controllerRef.current?.setSmaPeriods(fast, slow);
  }, [fast, slow]);

  useEffect(() => {
    controllerRef.current?.setEntryLines(positions);
  }, [positions, symbol]);

  return (
    <section className="panel chart-panel" aria-label="Price chart">
      <div className="panel-head">
        <SymbolPicker />
        <span className="chart-timeframe">{timeframe}</span>
        <span className="chart-key">
          <span className="key-fast">SMA {fast}</span>
          <span className="key-slow">SMA {slow}</span>
        </span>
        <div className="chart-legend" ref={legendRef} />
      </div>
      {historyError && (
        <p className="inline-error" role="alert">
          {historyError}
        </p>
      )}
      <div className="chart-canvas" ref={containerRef} data-testid="price-chart" data-bars="0" data-markers="0" />
    </section>
  );
}
