// The lab's channels are validated like every other request: a bad parameter is refused with a
// message that names its range (from the registry's ParamSpec), before any work starts.
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../../engine/api/contract';

function refusal(channel: string, payload: unknown): string {
  const r = parseRequest(channel, payload);
  if (r.ok) throw new Error(`${channel} accepted ${JSON.stringify(payload)}`);
  expect(r.error.code).toBe('invalid_request');
  return r.error.message;
}

const single = (params: Record<string, number>, id = 'sma-cross') => ({ kind: 'single', id, params });

describe('lab channel validation', () => {
  it('a backtest with defaults filled in is accepted', () => {
    const r = parseRequest('lab:run_backtest', { dataset: 'sim:AAPL', strategy: single({ fast: 10, slow: 20 }) });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.payload).toMatchObject({
        cash: 10_000,
        allowShort: false,
        sizing: { kind: 'all-in' },
        costs: { commission: { perShare: 0, pct: 0, fixed: 0 }, slippage: { kind: 'none' } },
      });
    }
  });

  it('a strategy parameter out of range names the parameter and its range', () => {
    expect(refusal('lab:run_backtest', { dataset: 'sim:AAPL', strategy: single({ fast: 500, slow: 20 }) })).toMatch(
      /fast \(Fast SMA period\) must be a whole number between 1 and 200, got 500/,
    );
    expect(refusal('lab:run_backtest', { dataset: 'sim:AAPL', strategy: single({ period: 14, oversold: 60 }, 'rsi-mean-reversion') })).toMatch(
      /oversold \(Oversold below\) must be a whole number between 5 and 50, got 60/,
    );
    expect(refusal('lab:run_backtest', { dataset: 'sim:AAPL', strategy: single({ fast: 30, slow: 20 }) })).toMatch(/fast \(30\) must be less than slow \(20\)/);
  });

  it('an unknown strategy or parameter is named with what exists', () => {
    expect(refusal('lab:run_backtest', { dataset: 'sim:AAPL', strategy: single({}, 'moon-phase') })).toMatch(/strategy must be one of sma-cross, /);
    expect(refusal('lab:run_backtest', { dataset: 'sim:AAPL', strategy: single({ speed: 3 }) })).toMatch(/unknown parameter "speed"; expected one of fast, slow/);
  });

  it('costs and sizing outside their ranges are refused naming the range', () => {
    const base = { dataset: 'sim:AAPL', strategy: single({}) };
    expect(refusal('lab:run_backtest', { ...base, costs: { commission: { pct: 0.5 } } })).toMatch(/commission as a fraction of notional .* must be a number between 0 and 0.1/);
    expect(refusal('lab:run_backtest', { ...base, costs: { slippage: { kind: 'bps', bps: -1 } } })).toMatch(/slippage \(basis points\) must be a number between 0 and 1000/);
    expect(refusal('lab:run_backtest', { ...base, sizing: { kind: 'fixed-fraction', fraction: 0 } })).toMatch(/sizing fraction of equity must be a number greater than 0 and at most 1/);
    expect(refusal('lab:run_backtest', { ...base, cash: Number.NaN })).toMatch(/starting cash/);
  });

  it('a dataset id that is not sim:… or csv:… is refused with an example', () => {
    expect(refusal('lab:run_backtest', { dataset: 'GOOG', strategy: single({}) })).toMatch(/dataset must be a dataset id such as "sim:AAPL" or "csv:GOOG"/);
  });

  it('a sweep grid value out of range, or a grid of too many points, is refused before it runs', () => {
    expect(refusal('lab:run_sweep', { dataset: 'csv:GOOG', strategyId: 'sma-cross', grid: { fast: [5, 10, 250] } })).toMatch(
      /grid.fast: sma-cross: fast \(Fast SMA period\) must be a whole number between 1 and 200, got 250/,
    );
    const many = Array.from({ length: 40 }, (_, i) => i + 2);
    expect(refusal('lab:run_sweep', { dataset: 'csv:GOOG', strategyId: 'sma-cross', grid: { fast: many, slow: many } })).toMatch(/1600 points; at most 1000/);
    expect(refusal('lab:run_sweep', { dataset: 'csv:GOOG', strategyId: 'sma-cross', grid: {} })).toMatch(/at least one grid parameter/);
    expect(refusal('lab:run_sweep', { dataset: 'csv:GOOG', strategyId: 'sma-cross', grid: { window: [3] } })).toMatch(/has no parameter "window"/);
  });

  it('walk-forward windows below their minimum are refused naming the minimum', () => {
    expect(refusal('lab:run_walk_forward', { dataset: 'csv:GOOG', strategyId: 'sma-cross', trainBars: 10, testBars: 50 })).toMatch(
      /train window \(bars\) must be a whole number between 20 and/,
    );
  });

  it('a CSV import needs an absolute path (file contents never travel in a request)', () => {
    expect(refusal('lab:import_csv', { path: 'data/GOOG.csv' })).toMatch(/path must be absolute/);
    expect(refusal('lab:import_csv', { path: '/tmp/x.csv', text: 'Date,Open\n' })).toMatch(/text/);
    expect(parseRequest('lab:import_csv', { path: '/tmp/GOOG.csv' }).ok).toBe(true);
  });
});
