// One backtest result: its metrics, the equity and drawdown curves, the trades on the price
// chart and in a table, and CSV export of the trades and the metrics.
import { useEffect, useRef, useState } from 'react';
import type { LabDatasetBars, LabResult } from '../../engine/api/lab';
import { api } from '../api';
import { dateTime, price, signedMoney } from '../format';
import { downloadCsv, fileNameFor, metricsCsv, tradesCsv } from './csvExport';
import { drawCurves, drawTrades, MAX_TRADE_MARKERS } from './charts';
import { formatMetric, METRIC_ROWS } from './metricsView';
import { strategyText } from './strategyText';

type BacktestResult = Extract<LabResult, { kind: 'backtest' }>;

const TRADES_SHOWN = 300;

function MetricsTable(props: { result: BacktestResult }) {
  const m = props.result.summary.metrics;
  if (!m) return null;
  return (
    <table className="data-table lab-metrics" data-testid="lab-metrics">
      <tbody>
        {METRIC_ROWS.map((row) => (
          <tr key={row.key} data-metric={row.key}>
            <th scope="row">{row.label}</th>
            <td className="num">{formatMetric(m[row.key] ?? null, row.format)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CurvesChart(props: { result: BacktestResult }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    return drawCurves(ref.current, props.result.equity, props.result.drawdown);
  }, [props.result]);
  return <div className="lab-chart" ref={ref} data-testid="lab-curves" aria-label="Equity and drawdown" />;
}

function TradesChart(props: { result: BacktestResult }) {
  const ref = useRef<HTMLDivElement>(null);
  const [bars, setBars] = useState<LabDatasetBars | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { setup } = props.result.summary;
  useEffect(() => {
    let current = true;
    setBars(null);
    setError(null);
    void api.request('lab:dataset_bars', { dataset: setup.dataset, fromT: setup.fromT, toT: setup.toT, maxBars: 2000 }).then((r) => {
      if (!current) return;
      if (r.ok) setBars(r.value);
      else setError(r.error.message);
    });
    return () => {
      current = false;
    };
  }, [setup.dataset, setup.fromT, setup.toT]);
  useEffect(() => {
    if (!ref.current || !bars) return;
    return drawTrades(ref.current, bars.bars, props.result.trades);
  }, [bars, props.result]);
  return (
    <div className="lab-chart-wrap">
      <div className="lab-chart-caption muted">
        Price with trades ({setup.datasetName}){bars && bars.barsPerCandle > 1 ? `, ${bars.barsPerCandle} bars per candle` : ''}
        {props.result.trades.length > MAX_TRADE_MARKERS ? `, first ${MAX_TRADE_MARKERS} trades marked` : ''}
      </div>
      {error ? <p className="inline-error">{error}</p> : <div className="lab-chart" ref={ref} data-testid="lab-trades-chart" />}
    </div>
  );
}

function TradesTable(props: { result: BacktestResult }) {
  const { trades, tradesTotal } = props.result;
  return (
    <div className="lab-trades">
      <table className="data-table">
        <thead>
          <tr>
            <th>Side</th>
            <th className="num">Size</th>
            <th>Entry</th>
            <th className="num">Entry price</th>
            <th>Exit</th>
            <th className="num">Exit price</th>
            <th className="num">P&amp;L</th>
            <th>Exit reason</th>
          </tr>
        </thead>
        <tbody>
          {trades.slice(0, TRADES_SHOWN).map((t, i) => (
            <tr key={i}>
              <td className={t.side}>{t.side}</td>
              <td className="num">{t.size}</td>
              <td>{dateTime(t.entryTime)}</td>
              <td className="num">{price(t.entryPrice)}</td>
              <td>{dateTime(t.exitTime)}</td>
              <td className="num">{price(t.exitPrice)}</td>
              <td className={`num ${t.pnl >= 0 ? 'pos' : 'neg'}`}>{signedMoney(t.pnl)}</td>
              <td>{t.exitReason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {tradesTotal > TRADES_SHOWN && (
        <p className="muted">
          Showing {TRADES_SHOWN} of {tradesTotal.toLocaleString('en-US')} trades{tradesTotal > trades.length ? ` (${trades.length.toLocaleString('en-US')} kept with the result)` : ''}; the CSV export has all of them.
        </p>
      )}
    </div>
  );
}

export function BacktestView(props: { result: BacktestResult }) {
  const { result } = props;
  const s = result.summary;
  return (
    <section className="panel lab-result" aria-label="Backtest result" data-result-id={s.id}>
      <div className="panel-head">
        <h2>Backtest</h2>
        <span className="lab-result-name">{s.name}</span>
        <span className="muted">
          {s.setup.bars.toLocaleString('en-US')} bars · {dateTime(s.createdAt)} · {(s.durationMs / 1000).toFixed(2)} s
        </span>
        <span className="lab-actions">
          <button type="button" className="btn btn-small" onClick={() => downloadCsv(fileNameFor(s.name, 'trades'), tradesCsv(result.trades))}>
            Export trades CSV
          </button>
          <button type="button" className="btn btn-small" onClick={() => downloadCsv(fileNameFor(s.name, 'metrics'), metricsCsv([s]))}>
            Export metrics CSV
          </button>
        </span>
      </div>
      <p className="muted lab-result-strategy lab-result-spec" data-testid="lab-result-spec">
        {strategyText(s.strategy)}
      </p>
      <div className="lab-result-body">
        <MetricsTable result={result} />
        <div className="lab-charts">
          <CurvesChart result={result} />
          <TradesChart result={result} />
        </div>
      </div>
      <TradesTable result={result} />
    </section>
  );
}
