// The Lab's setup form as typed text, and the requests built from it. Every field is checked
// here with a message that names its range, so Run stays disabled until the form is sound; the
// host validates again (a stale catalogue or a hand-made request still gets a clear refusal).
import { create } from 'zustand';
import type { RequestInput } from '../../engine/api/contract';
import { LAB_MAX_ENSEMBLE_MEMBERS, type LabCatalogue, type LabRunKind, type LabStrategyInfo, type ParamSpec, type StrategySpec } from '../../engine/api/lab';
import { assertNever } from '../assertNever';
import { defaultDraft, defaultGrid, draftProblems, draftValues, gridValues, type GridDraft, type ParamDraft } from './paramForm';

export type Objective = NonNullable<RequestInput<'lab:run_sweep'>['objective']>;
export type Regime = LabCatalogue['regimes'][number];
type Costs = NonNullable<RequestInput<'lab:run_backtest'>['costs']>;
type Sizing = NonNullable<RequestInput<'lab:run_backtest'>['sizing']>;

export interface CostsDraft {
  /** percent of notional, e.g. "0.1" = 0.1% */
  commissionPct: string;
  perShare: string;
  fixed: string;
  slippage: 'none' | 'bps' | 'atr';
  bps: string;
  atrFraction: string;
}

export interface SizingDraft {
  kind: Sizing['kind'];
  /** fixed fraction, percent of equity */
  fractionPct: string;
  /** risk-based: percent of equity lost at the stop */
  riskPct: string;
  stopAtr: string;
}

export interface SweptParam extends GridDraft {
  on: boolean;
}

/** the strategy picker's choice that builds an ensemble of catalogue strategies (a backtest only) */
export const ENSEMBLE_ID = 'ensemble';
export const MAX_MEMBERS = LAB_MAX_ENSEMBLE_MEMBERS;

export type EnsembleRule = Extract<StrategySpec, { kind: 'ensemble' }>['mode']['kind'];

export interface MemberDraft {
  strategyId: string;
  params: ParamDraft;
}

/** an ensemble as typed: its members and the voting rule's fields (only the rule's own are used) */
export interface EnsembleDraft {
  members: MemberDraft[];
  rule: EnsembleRule;
  /** consensus: members that must agree */
  k: string;
  /** weighted: bars of recent performance that weigh each member */
  lookback: string;
  /** weighted and confidence: the score a side needs, in (0, 1] */
  threshold: string;
}

export interface LabFormDraft {
  mode: LabRunKind;
  dataset: string;
  /** a catalogue strategy's id, or ENSEMBLE_ID */
  strategyId: string;
  params: ParamDraft;
  ensemble: EnsembleDraft;
  /** regimes a backtest's gate allows; empty: no gate */
  regimes: Regime[];
  grid: Record<string, SweptParam>;
  trainBars: string;
  testBars: string;
  stepBars: string;
  anchored: boolean;
  objective: Objective;
  cash: string;
  allowShort: boolean;
  /** entries go through the live risk limits (refused as live trading would refuse them) */
  riskGate: boolean;
  costs: CostsDraft;
  sizing: SizingDraft;
  name: string;
}

export const initialDraft = (): LabFormDraft => ({
  mode: 'backtest',
  dataset: '',
  strategyId: '',
  params: {},
  ensemble: { members: [], rule: 'consensus', k: '2', lookback: '20', threshold: '0.5' },
  regimes: [],
  grid: {},
  trainBars: '500',
  testBars: '100',
  stepBars: '',
  anchored: false,
  objective: 'sharpe',
  cash: '10000',
  allowShort: false,
  riskGate: true,
  costs: { commissionPct: '0.1', perShare: '0', fixed: '0', slippage: 'bps', bps: '2', atrFraction: '0.1' },
  // the live default (1% risked to a 2 x ATR stop): with "apply live risk limits" on, all-in
  // entries would all be refused by the 20% position cap
  sizing: { kind: 'risk', fractionPct: '10', riskPct: '1', stopAtr: '2' },
  name: '',
});

/** survives switching screens */
export const useLabFormStore = create<{ draft: LabFormDraft }>(() => ({ draft: initialDraft() }));

export function patchDraft(patch: Partial<LabFormDraft>): void {
  useLabFormStore.setState((s) => ({ draft: { ...s.draft, ...patch } }));
}

/** choosing a strategy resets its parameters and grid to the catalogue's defaults */
export function strategyDraft(specs: readonly ParamSpec[]): Pick<LabFormDraft, 'params' | 'grid'> {
  return { params: defaultDraft(specs), grid: Object.fromEntries(specs.map((s) => [s.name, { on: false, ...defaultGrid(s) }])) };
}

/** a member with the catalogue's defaults */
export function memberDraft(def: LabStrategyInfo): MemberDraft {
  return { strategyId: def.id, params: defaultDraft(def.params) };
}

/**
 * Choosing "Ensemble" keeps the members already there; the first time, it starts from the
 * strategy on screen (with its parameters as typed) and the next one in the catalogue.
 */
export function startEnsemble(d: LabFormDraft, strategies: readonly LabStrategyInfo[]): EnsembleDraft {
  if (d.ensemble.members.length > 0) return d.ensemble;
  const current = strategies.find((s) => s.id === d.strategyId);
  const first: MemberDraft | null = current ? { strategyId: current.id, params: { ...d.params } } : strategies[0] ? memberDraft(strategies[0]) : null;
  const other = strategies.find((s) => s.id !== first?.strategyId);
  return { ...d.ensemble, members: [first, other ? memberDraft(other) : null].filter((m): m is MemberDraft => m !== null) };
}

/** another member: the first catalogue strategy the ensemble does not have yet (any, when it has them all) */
export function addMember(e: EnsembleDraft, strategies: readonly LabStrategyInfo[]): EnsembleDraft {
  const next = strategies.find((s) => !e.members.some((m) => m.strategyId === s.id)) ?? strategies[0];
  if (!next || e.members.length >= MAX_MEMBERS) return e;
  return { ...e, members: [...e.members, memberDraft(next)] };
}

export type Problems = Record<string, string>;

function numberIn(problems: Problems, field: string, text: string, label: string, min: number, max: number, opts: { int?: boolean; above?: boolean } = {}): number {
  const v = Number(text);
  const ok = text.trim() !== '' && Number.isFinite(v) && (!opts.int || Number.isInteger(v)) && (opts.above ? v > min : v >= min) && v <= max;
  if (!ok) problems[field] = `${label} must be ${opts.int ? 'a whole number' : 'a number'} ${opts.above ? `greater than ${min} and at most ${max}` : `between ${min} and ${max}`}`;
  return v;
}

function costsOf(d: CostsDraft, problems: Problems): Costs {
  const pct = numberIn(problems, 'commissionPct', d.commissionPct, 'Commission (% of notional)', 0, 10);
  const perShare = numberIn(problems, 'perShare', d.perShare, 'Commission per share ($)', 0, 10);
  const fixed = numberIn(problems, 'fixed', d.fixed, 'Commission per fill ($)', 0, 1000);
  const commission = { pct: pct / 100, perShare, fixed };
  switch (d.slippage) {
    case 'none':
      return { commission, slippage: { kind: 'none' } };
    case 'bps':
      return { commission, slippage: { kind: 'bps', bps: numberIn(problems, 'bps', d.bps, 'Slippage (bps)', 0, 1000) } };
    case 'atr':
      return { commission, slippage: { kind: 'atr', fraction: numberIn(problems, 'atrFraction', d.atrFraction, 'Slippage (x ATR)', 0, 5) } };
    default:
      return assertNever(d.slippage);
  }
}

function sizingOf(d: SizingDraft, problems: Problems): Sizing {
  switch (d.kind) {
    case 'all-in':
      return { kind: 'all-in' };
    case 'fixed-fraction':
      return { kind: 'fixed-fraction', fraction: numberIn(problems, 'fractionPct', d.fractionPct, 'Position size (% of equity)', 0, 100, { above: true }) / 100 };
    case 'risk':
      return {
        kind: 'risk',
        riskFraction: numberIn(problems, 'riskPct', d.riskPct, 'Risk per trade (% of equity)', 0, 20, { above: true }) / 100,
        stopAtr: numberIn(problems, 'stopAtr', d.stopAtr, 'Stop distance (x ATR)', 0, 20, { above: true }),
      };
    default:
      return assertNever(d.kind);
  }
}

/** what every run shares */
function setupOf(d: LabFormDraft, problems: Problems) {
  if (!d.dataset) problems.dataset = 'Choose the data to test on';
  const cash = numberIn(problems, 'cash', d.cash, 'Starting cash ($)', 100, 1_000_000_000);
  return {
    dataset: d.dataset,
    cash,
    costs: costsOf(d.costs, problems),
    sizing: sizingOf(d.sizing, problems),
    allowShort: d.allowShort,
    riskGate: d.riskGate,
    ...(d.name.trim() ? { name: d.name.trim() } : {}),
  };
}

function gridOf(d: LabFormDraft, specs: readonly ParamSpec[], problems: Problems): { grid: Record<string, number[]>; points: number } {
  const grid: Record<string, number[]> = {};
  let points = 1;
  for (const s of specs) {
    const g = d.grid[s.name];
    if (!g?.on) continue;
    const r = gridValues(s, g);
    if ('problem' in r) problems[`grid.${s.name}`] = r.problem;
    else {
      grid[s.name] = r.values;
      points *= r.values.length;
    }
  }
  return { grid, points };
}

export const MAX_GRID_POINTS = 1000;

/**
 * The ensemble's spec, or problems keyed `ensemble` (the whole), `ensemble.<field>` (the rule),
 * `member.<i>` and `member.<i>.param.<name>`: fewer than 2 members, a member identical to
 * another (same strategy, same parameters: it would only double its vote), a parameter out of
 * its range, a rule field out of its range.
 */
function ensembleOf(e: EnsembleDraft, strategies: readonly LabStrategyInfo[], problems: Problems): Extract<StrategySpec, { kind: 'ensemble' }> {
  const n = e.members.length;
  if (n < 2) problems.ensemble = `An ensemble needs at least 2 member strategies; it has ${n}: add ${n === 0 ? 'two' : 'another'}`;
  if (n > MAX_MEMBERS) problems.ensemble = `An ensemble has at most ${MAX_MEMBERS} members; it has ${n}: remove ${n - MAX_MEMBERS}`;
  const seen = new Map<string, number>();
  const members = e.members.map((m, i) => {
    const def = strategies.find((s) => s.id === m.strategyId);
    if (!def) {
      problems[`member.${i}`] = `Member ${i + 1}: choose a strategy`;
      return { id: m.strategyId, params: {} };
    }
    const paramProblems = draftProblems(def.params, m.params);
    for (const [name, p] of Object.entries(paramProblems)) problems[`member.${i}.param.${name}`] = `Member ${i + 1}: ${p}`;
    const params = draftValues(def.params, m.params);
    if (Object.keys(paramProblems).length === 0) {
      const key = `${def.id} ${JSON.stringify(params)}`;
      const same = seen.get(key);
      if (same !== undefined) problems[`member.${i}`] = `Member ${i + 1} is the same as member ${same + 1} (same strategy and parameters): change a parameter or remove it`;
      else seen.set(key, i);
    }
    return { id: def.id, params };
  });
  // k is checked against the members there are; with too few, the missing member is the problem, not k
  const most = Math.max(2, Math.min(n, MAX_MEMBERS));
  let mode: Extract<StrategySpec, { kind: 'ensemble' }>['mode'];
  switch (e.rule) {
    case 'consensus':
      mode = { kind: 'consensus', k: numberIn(problems, 'ensemble.k', e.k, 'Members that must agree (k)', 1, most, { int: true }) };
      break;
    case 'weighted':
      mode = {
        kind: 'weighted',
        lookback: numberIn(problems, 'ensemble.lookback', e.lookback, 'Lookback (bars)', 1, 10_000, { int: true }),
        threshold: numberIn(problems, 'ensemble.threshold', e.threshold, 'Threshold', 0, 1, { above: true }),
      };
      break;
    case 'confidence':
      mode = { kind: 'confidence', threshold: numberIn(problems, 'ensemble.threshold', e.threshold, 'Threshold', 0, 1, { above: true }) };
      break;
    default:
      return assertNever(e.rule);
  }
  return { kind: 'ensemble', members, mode };
}

export type BuiltRequest =
  | { kind: 'backtest'; input: RequestInput<'lab:run_backtest'> }
  | { kind: 'walk-forward'; input: RequestInput<'lab:run_walk_forward'> }
  | { kind: 'sweep'; input: RequestInput<'lab:run_sweep'>; points: number };

/**
 * The request for the draft's mode, or every problem keyed by field. `specs` are the chosen
 * strategy's parameters; `strategies` (the catalogue) give an ensemble's members theirs.
 */
export function buildRequest(
  d: LabFormDraft,
  specs: readonly ParamSpec[],
  strategies: readonly LabStrategyInfo[] = [],
): { ok: true; request: BuiltRequest } | { ok: false; problems: Problems } {
  const problems: Problems = {};
  if (!d.strategyId) problems.strategy = 'Choose a strategy';
  const setup = setupOf(d, problems);
  if (d.strategyId === ENSEMBLE_ID) {
    if (d.mode !== 'backtest') {
      problems.strategy = 'An ensemble runs as a backtest: choose one strategy to sweep or walk forward';
      return { ok: false, problems };
    }
    const strategy: StrategySpec = { ...ensembleOf(d.ensemble, strategies, problems), ...(d.regimes.length ? { regime: { allowed: d.regimes } } : {}) };
    return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, request: { kind: 'backtest', input: { ...setup, strategy } } };
  }
  const paramProblems = draftProblems(specs, d.params);
  const swept = new Set(Object.entries(d.grid).filter(([, g]) => g.on).map(([n]) => n));
  for (const [name, p] of Object.entries(paramProblems)) {
    // a swept parameter's own value is not used by a sweep or walk-forward
    if (!(d.mode !== 'backtest' && swept.has(name))) problems[`param.${name}`] = p;
  }
  const params = Object.keys(paramProblems).length === 0 ? draftValues(specs, d.params) : {};
  let request: BuiltRequest;
  switch (d.mode) {
    case 'backtest': {
      const strategy: StrategySpec = { kind: 'single', id: d.strategyId, params, ...(d.regimes.length ? { regime: { allowed: d.regimes } } : {}) };
      request = { kind: 'backtest', input: { ...setup, strategy } };
      break;
    }
    case 'sweep': {
      const { grid, points } = gridOf(d, specs, problems);
      if (Object.keys(grid).length === 0 && !Object.keys(problems).some((k) => k.startsWith('grid.'))) problems.grid = 'Tick at least one parameter to sweep';
      if (points > MAX_GRID_POINTS) problems.grid = `${points} combinations; at most ${MAX_GRID_POINTS}: narrow the ranges or widen the steps`;
      const base = Object.fromEntries(Object.entries(draftValues(specs, d.params)).filter(([k]) => !swept.has(k)));
      request = { kind: 'sweep', input: { ...setup, strategyId: d.strategyId, params: base, grid, objective: d.objective }, points };
      break;
    }
    case 'walk-forward': {
      const { grid, points } = gridOf(d, specs, problems);
      if (points > MAX_GRID_POINTS) problems.grid = `${points} combinations; at most ${MAX_GRID_POINTS}: narrow the ranges or widen the steps`;
      const trainBars = numberIn(problems, 'trainBars', d.trainBars, 'Train window (bars)', 20, 10_000_000, { int: true });
      const testBars = numberIn(problems, 'testBars', d.testBars, 'Test window (bars)', 2, 10_000_000, { int: true });
      const stepBars = d.stepBars.trim() === '' ? undefined : numberIn(problems, 'stepBars', d.stepBars, 'Step (bars)', 1, 10_000_000, { int: true });
      const base = Object.fromEntries(Object.entries(draftValues(specs, d.params)).filter(([k]) => !swept.has(k)));
      request = {
        kind: 'walk-forward',
        input: { ...setup, strategyId: d.strategyId, params: base, grid, trainBars, testBars, ...(stepBars !== undefined ? { stepBars } : {}), anchored: d.anchored, objective: d.objective },
      };
      break;
    }
    default:
      return assertNever(d.mode);
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, request };
}
