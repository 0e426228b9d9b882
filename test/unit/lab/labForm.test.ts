// The Lab screen's pure parts: inline parameter checks say what the registry says, the form's
// request is one the host accepts, grids expand as typed, CSV export quotes and defuses, and
// late events never roll a run's state back.
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../../engine/api/contract';
import type { LabResultSummary, LabRunStatus, LabTrade } from '../../../engine/api/lab';
import { STRATEGY_REGISTRY } from '../../../engine/strategies/registry';
import { StrategyParamError, validateParams } from '../../../engine/strategies/params';
import { csvField, metricsCsv, tradesCsv } from '../../../renderer/lab/csvExport';
import { buildRequest, initialDraft, strategyDraft, type LabFormDraft } from '../../../renderer/lab/formDraft';
import { gridValues, paramProblem } from '../../../renderer/lab/paramForm';
import { applyFinished, applyProgress, initialLabState } from '../../../renderer/lab/store';

const sma = STRATEGY_REGISTRY.get('sma-cross')!;
const specs = sma.params;
const draft = (over: Partial<LabFormDraft> = {}): LabFormDraft => ({ ...initialDraft(), dataset: 'sim:AAPL', strategyId: 'sma-cross', ...strategyDraft(specs), ...over });

describe('inline parameter checks', () => {
  it('word a problem exactly as the registry does (minus the value given), for every declared parameter', () => {
    for (const def of STRATEGY_REGISTRY.values()) {
      for (const spec of def.params) {
        const tooBig = spec.max + (spec.integer ? 1 : spec.step);
        let registry = '';
        try {
          validateParams(def.id, [spec], { [spec.name]: tooBig });
        } catch (e) {
          if (e instanceof StrategyParamError) registry = e.message;
        }
        expect(registry).toContain(paramProblem(spec, String(tooBig))!);
        expect(paramProblem(spec, String(spec.default))).toBeNull();
      }
    }
    expect(paramProblem(specs[0]!, '2.5')).toMatch(/whole number/);
    expect(paramProblem(specs[0]!, '')).not.toBeNull();
  });

  it('a grid expands inclusively, keeps the step\'s decimals, and refuses too many values or values out of range', () => {
    expect(gridValues(specs[0]!, { from: '5', to: '20', step: '5' })).toEqual({ values: [5, 10, 15, 20] });
    const band = STRATEGY_REGISTRY.get('ema-breakout')!.params.find((p) => p.name === 'band')!;
    expect(gridValues(band, { from: '0.01', to: '0.03', step: '0.01' })).toEqual({ values: [0.01, 0.02, 0.03] });
    expect(gridValues(specs[0]!, { from: '1', to: '200', step: '0.5' })).toMatchObject({ problem: expect.stringMatching(/whole number greater than 0/) });
    expect(gridValues(specs[1]!, { from: '2', to: '400', step: '1' })).toMatchObject({ problem: expect.stringMatching(/399 values; at most 200/) });
    expect(gridValues(specs[0]!, { from: '5', to: '300', step: '5' })).toMatchObject({ problem: expect.stringMatching(/^to: fast/) });
  });
});

describe('the form\'s requests', () => {
  it('a default backtest form builds a request the host\'s schema accepts, with costs in fractions', () => {
    const built = buildRequest(draft(), specs);
    if (!built.ok) throw new Error(JSON.stringify(built.problems));
    expect(built.request.kind).toBe('backtest');
    const parsed = parseRequest('lab:run_backtest', built.request.input);
    expect(parsed.ok).toBe(true);
    expect(built.request.input).toMatchObject({ strategy: { kind: 'single', id: 'sma-cross', params: { fast: 10, slow: 20 } }, costs: { commission: { pct: 0.001 }, slippage: { kind: 'bps', bps: 2 } } });
  });

  it('sweep and walk-forward forms build accepted requests; swept parameters leave the base', () => {
    const grid = { ...strategyDraft(specs).grid, fast: { on: true, from: '5', to: '15', step: '5' } };
    const sweep = buildRequest(draft({ mode: 'sweep', grid }), specs);
    if (!sweep.ok || sweep.request.kind !== 'sweep') throw new Error('sweep not built');
    expect(sweep.request.points).toBe(3);
    expect(sweep.request.input.params).toEqual({ slow: 20 });
    expect(parseRequest('lab:run_sweep', sweep.request.input).ok).toBe(true);
    const wf = buildRequest(draft({ mode: 'walk-forward', grid, trainBars: '300', testBars: '50' }), specs);
    if (!wf.ok) throw new Error(JSON.stringify(wf.problems));
    expect(parseRequest('lab:run_walk_forward', wf.request.input).ok).toBe(true);
  });

  it('bad fields come back keyed by field with their ranges, and nothing is built', () => {
    const built = buildRequest(draft({ params: { fast: '500', slow: '20' }, cash: '5', costs: { ...initialDraft().costs, commissionPct: '20' }, dataset: '' }), specs);
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.problems).toMatchObject({
      'param.fast': 'fast (Fast SMA period) must be a whole number between 1 and 200',
      cash: 'Starting cash ($) must be a number between 100 and 1000000000',
      commissionPct: 'Commission (% of notional) must be a number between 0 and 10',
      dataset: 'Choose the data to test on',
    });
    const noGrid = buildRequest(draft({ mode: 'sweep' }), specs);
    expect(noGrid.ok ? null : noGrid.problems.grid).toBe('Tick at least one parameter to sweep');
  });
});

describe('CSV export', () => {
  it('quotes commas, quotes and newlines, and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1+2')).toBe("'-1+2");
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(null)).toBe('');
  });

  it('trades: one header and one row per trade with ISO times; metrics: one column per result', () => {
    const trade: LabTrade = { side: 'long', size: 3, entryTime: Date.UTC(2024, 0, 2), exitTime: Date.UTC(2024, 0, 5), entryPrice: 10, exitPrice: 11, pnl: 2.9, returnPct: 0.0967, commission: 0.1, exitReason: 'signal' };
    const lines = tradesCsv([trade, { ...trade, side: 'short', pnl: -1 }]).trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe('long,3,2024-01-02T00:00:00.000Z,2024-01-05T00:00:00.000Z,10,11,2.9,0.0967,0.1,signal');
    const summary = { name: 'A, the first', strategy: { kind: 'single', id: 'sma-cross', params: { fast: 5, slow: 20 } }, setup: { dataset: 'csv:GOOG' }, metrics: { sharpe: 0.6, trades: 94 } } as unknown as LabResultSummary;
    const csv = metricsCsv([summary, { ...summary, name: 'B', metrics: { sharpe: null, trades: 3 } } as unknown as LabResultSummary]).split('\r\n');
    expect(csv[0]).toBe('metric,"A, the first",B');
    expect(csv).toContain('sharpe,0.6,');
    expect(csv).toContain('trades,94,3');
    expect(csv[1]).toBe('strategy,sma-cross fast=5 slow=20,sma-cross fast=5 slow=20');
  });
});

describe('lab slice', () => {
  const status = (runId: string, phase: LabRunStatus['phase']): LabRunStatus => ({ runId, kind: 'backtest', name: runId, dataset: 'sim:AAPL', phase, done: 0, total: 1, startedAt: 1 });

  it('records the phases a run went through and starts afresh for the next run', () => {
    let s = initialLabState();
    for (const p of ['loading', 'running', 'running', 'saving'] as const) s = { ...s, ...applyProgress(s, status('r1', p)) };
    expect(s.phases.backtest).toEqual(['loading', 'running', 'saving']);
    s = { ...s, ...applyProgress(s, status('r2', 'loading')) };
    expect(s.phases.backtest).toEqual(['loading']);
  });

  it('the end of an older run does not clear a newer one in progress', () => {
    let s = initialLabState();
    s = { ...s, ...applyProgress(s, status('new', 'running')) };
    s = { ...s, ...applyFinished(s, { runId: 'old', kind: 'backtest', name: 'old', status: 'cancelled', message: '', result: null, finishedAt: 2 }) };
    expect(s.runs.backtest?.runId).toBe('new');
    s = { ...s, ...applyFinished(s, { runId: 'new', kind: 'backtest', name: 'new', status: 'failed', message: 'x', result: null, finishedAt: 3 }) };
    expect(s.runs.backtest).toBeNull();
    expect(s.finished.backtest?.status).toBe('failed');
  });
});
