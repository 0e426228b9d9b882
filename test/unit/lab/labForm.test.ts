// The Lab screen's pure parts: inline parameter checks say what the registry says, the form's
// request is one the host accepts, grids expand as typed, CSV export quotes and defuses, and
// late events never roll a run's state back.
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../../engine/api/contract';
import type { LabResultSummary, LabRunStatus, LabTrade } from '../../../engine/api/lab';
import { STRATEGY_REGISTRY } from '../../../engine/strategies/registry';
import { StrategyParamError, validateParams } from '../../../engine/strategies/params';
import { csvField, metricsCsv, tradesCsv } from '../../../renderer/lab/csvExport';
import { addMember, buildRequest, ENSEMBLE_ID, initialDraft, MAX_MEMBERS, memberDraft, startEnsemble, strategyDraft, type EnsembleDraft, type LabFormDraft } from '../../../renderer/lab/formDraft';
import { gridValues, paramProblem } from '../../../renderer/lab/paramForm';
import { progressText } from '../../../renderer/lab/progressText';
import { applyFinished, applyProgress, initialLabState } from '../../../renderer/lab/store';
import { strategyText } from '../../../renderer/lab/strategyText';

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

describe('the ensemble form', () => {
  // the catalogue as the host sends it (lab:catalogue)
  const catalogue = [...STRATEGY_REGISTRY.values()].map((d) => ({ id: d.id, name: d.name, description: d.description, params: [...d.params] }));
  const info = (id: string) => catalogue.find((c) => c.id === id)!;
  const ensembleDraft = (e: Partial<EnsembleDraft>, over: Partial<LabFormDraft> = {}): LabFormDraft => {
    const base = draft();
    return { ...base, strategyId: ENSEMBLE_ID, ensemble: { ...base.ensemble, members: [memberDraft(info('sma-cross')), memberDraft(info('ema-breakout'))], ...e }, ...over };
  };

  it('choosing Ensemble starts from the strategy on screen (parameters as typed) and the next one; Add member adds a new one up to the limit', () => {
    const started = startEnsemble(draft({ params: { fast: '7', slow: '30' } }), catalogue);
    expect(started.members).toEqual([
      { strategyId: 'sma-cross', params: { fast: '7', slow: '30' } },
      { strategyId: 'ema-breakout', params: { period: '20', band: '0.01' } },
    ]);
    // members already there are kept when Ensemble is chosen again
    expect(startEnsemble({ ...draft(), ensemble: started }, catalogue)).toBe(started);
    let e = started;
    for (let i = 0; i < 10; i++) e = addMember(e, catalogue);
    expect(e.members).toHaveLength(MAX_MEMBERS);
    // the catalogue's strategies first, before any repeats
    expect(new Set(e.members.slice(0, catalogue.length).map((m) => m.strategyId)).size).toBe(catalogue.length);
  });

  it('each voting rule maps to the spec the host accepts, with the regime filter wrapped around it', () => {
    const cases = [
      [{ rule: 'consensus', k: '2' }, { kind: 'consensus', k: 2 }],
      [{ rule: 'weighted', lookback: '30', threshold: '0.4' }, { kind: 'weighted', lookback: 30, threshold: 0.4 }],
      [{ rule: 'confidence', threshold: '1' }, { kind: 'confidence', threshold: 1 }],
    ] as const;
    for (const [fields, mode] of cases) {
      const built = buildRequest(ensembleDraft(fields, { regimes: ['trend-up', 'range'] }), [], catalogue);
      if (!built.ok) throw new Error(JSON.stringify(built.problems));
      if (built.request.kind !== 'backtest') throw new Error(`expected a backtest, got ${built.request.kind}`);
      expect(built.request.input.strategy).toEqual({
        kind: 'ensemble',
        members: [
          { id: 'sma-cross', params: { fast: 10, slow: 20 } },
          { id: 'ema-breakout', params: { period: 20, band: 0.01 } },
        ],
        mode,
        regime: { allowed: ['trend-up', 'range'] },
      });
      const parsed = parseRequest('lab:run_backtest', built.request.input);
      expect(parsed.ok ? null : parsed.error.message).toBeNull();
    }
  });

  it('one member, an identical member, a bad member parameter or a bad rule field: a message naming it, nothing built', () => {
    const one = buildRequest(ensembleDraft({ members: [memberDraft(info('sma-cross'))] }), [], catalogue);
    expect(one.ok ? null : one.problems).toEqual({ ensemble: 'An ensemble needs at least 2 member strategies; it has 1: add another' });

    const twins = buildRequest(ensembleDraft({ members: [memberDraft(info('rsi-mean-reversion')), memberDraft(info('rsi-mean-reversion'))] }), [], catalogue);
    expect(twins.ok ? null : twins.problems).toEqual({ 'member.1': 'Member 2 is the same as member 1 (same strategy and parameters): change a parameter or remove it' });
    // the same strategy with other parameters is a member of its own; "10" and "10.0" are the same number
    const period = info('rsi-mean-reversion').params.find((p) => p.name === 'period')!;
    const other = { strategyId: 'rsi-mean-reversion', params: { ...memberDraft(info('rsi-mean-reversion')).params, period: String(period.default + 1) } };
    expect(buildRequest(ensembleDraft({ members: [memberDraft(info('rsi-mean-reversion')), other] }), [], catalogue).ok).toBe(true);
    const sameNumber = { strategyId: 'sma-cross', params: { fast: '10.0', slow: '20' } };
    expect(buildRequest(ensembleDraft({ members: [memberDraft(info('sma-cross')), sameNumber] }), [], catalogue).ok).toBe(false);

    const badParam = buildRequest(ensembleDraft({ members: [{ strategyId: 'sma-cross', params: { fast: '0', slow: '20' } }, memberDraft(info('ema-breakout'))] }), [], catalogue);
    expect(badParam.ok ? null : badParam.problems).toEqual({ 'member.0.param.fast': 'Member 1: fast (Fast SMA period) must be a whole number between 1 and 200' });

    const k = buildRequest(ensembleDraft({ rule: 'consensus', k: '3' }), [], catalogue);
    expect(k.ok ? null : k.problems).toEqual({ 'ensemble.k': 'Members that must agree (k) must be a whole number between 1 and 2' });
    const threshold = buildRequest(ensembleDraft({ rule: 'confidence', threshold: '0' }), [], catalogue);
    expect(threshold.ok ? null : threshold.problems).toEqual({ 'ensemble.threshold': 'Threshold must be a number greater than 0 and at most 1' });
    const unknown = buildRequest(ensembleDraft({ members: [memberDraft(info('sma-cross')), { strategyId: 'gone', params: {} }] }), [], catalogue);
    expect(unknown.ok ? null : unknown.problems).toEqual({ 'member.1': 'Member 2: choose a strategy' });
  });

  it('an ensemble is a backtest: in a sweep or walk-forward it is refused with what to do', () => {
    const sweep = buildRequest(ensembleDraft({}, { mode: 'sweep' }), [], catalogue);
    expect(sweep.ok ? null : sweep.problems.strategy).toBe('An ensemble runs as a backtest: choose one strategy to sweep or walk forward');
  });

  it('a saved strategy reads as one line: members with their parameters and the rule', () => {
    expect(strategyText({ kind: 'single', id: 'sma-cross', params: { fast: 5, slow: 20 } })).toBe('sma-cross fast=5 slow=20');
    expect(
      strategyText({
        kind: 'ensemble',
        members: [
          { id: 'sma-cross', params: { fast: 5, slow: 20 } },
          { id: 'ema-breakout', params: { period: 20, band: 0.01 } },
        ],
        mode: { kind: 'consensus', k: 2 },
        regime: { allowed: ['trend-up'] },
      }),
    ).toBe('ensemble (consensus 2 of 2): sma-cross fast=5 slow=20 + ema-breakout period=20 band=0.01 @trend-up');
    const members = [{ id: 'a', params: {} }, { id: 'b', params: {} }];
    expect(strategyText({ kind: 'ensemble', members, mode: { kind: 'weighted', lookback: 30, threshold: 0.4 } })).toBe('ensemble (weighted vote >= 0.4, lookback 30): a + b');
    expect(strategyText({ kind: 'ensemble', members, mode: { kind: 'confidence', threshold: 0.5 } })).toBe('ensemble (confidence >= 0.5): a + b');
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

  it('counts a run\'s units once it runs (not the 0-of-1 placeholder) and keeps the last count after it ends', () => {
    let s = initialLabState();
    const at = (phase: LabRunStatus['phase'], done: number, total: number, runId = 'r1'): LabRunStatus => ({ ...status(runId, phase), done, total });
    s = { ...s, ...applyProgress(s, at('loading', 0, 1)) };
    s = { ...s, ...applyProgress(s, at('running', 0, 1)) };
    expect(s.units.backtest).toBeNull();
    s = { ...s, ...applyProgress(s, at('running', 2000, 200_000)) };
    expect(s.units.backtest).toEqual({ done: 2000, total: 200_000 });
    s = { ...s, ...applyProgress(s, at('saving', 200_000, 200_000)) };
    s = { ...s, ...applyFinished(s, { runId: 'r1', kind: 'backtest', name: 'r1', status: 'done', message: '', result: null, finishedAt: 2 }) };
    expect(s.units.backtest).toEqual({ done: 200_000, total: 200_000 });
    // the next run starts without a count
    s = { ...s, ...applyProgress(s, at('loading', 0, 1, 'r2')) };
    expect(s.units.backtest).toBeNull();
    expect(progressText('backtest', 12_000, 200_000)).toBe('12,000 / 200,000 bars (6%)');
    expect(progressText('sweep', 3, 3)).toBe('3 / 3 points (100%)');
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
