// The strategy lab's part of the contract (issue 5): request channels with their zod schemas,
// their result types and the lab's events. The host's lab service serves these channels (the
// engine does not: backtests run in worker threads beside it); contract.ts merges them in.
//
// Long work (a backtest, a walk-forward, a sweep) is started by a request that answers at once
// with a run id; `lab:progress` reports it and `lab:finished` ends it (saved, cancelled or
// failed). File contents never travel in a request: a CSV is imported by its path on the host.
import { z } from 'zod';
import type { CurvePoint } from '../backtest/curves';
import type { BacktestMetrics } from '../backtest/metrics';
import type { ExitReason, SizingModel, SlippageModel } from '../backtest/types';
import type { CsvIssue } from '../data/csv';
import type { Bar } from '../domain/types';
import type { Regime } from '../strategies/regime';
import { REGIMES } from '../strategies/regime';
import { buildStrategy, strategyDefinition, STRATEGY_REGISTRY, type StrategySpec } from '../strategies/registry';
import { validateParams } from '../strategies/params';
import type { ParamSpec } from '../strategies/types';

export type { CurvePoint } from '../backtest/curves';
export type { CsvIssue } from '../data/csv';
export type { StrategySpec } from '../strategies/registry';
export type { ParamSpec } from '../strategies/types';

// ---------- limits ----------

/** a sweep or walk-forward grid larger than this is a typo or an afternoon: refused */
export const LAB_MAX_GRID_POINTS = 1000;
export const LAB_MAX_GRID_VALUES = 200;
/** points per curve sent to the UI (each bucket keeps its extremes) */
export const LAB_CURVE_POINTS = 2000;
/** trades kept with a result; a run with more keeps the first ones and says how many there were */
export const LAB_MAX_TRADES = 20_000;
export const LAB_MAX_CSV_BYTES = 256 * 1024 * 1024;
export const LAB_MAX_CHART_BARS = 5000;
/** issues listed in an import report (all are counted) */
export const LAB_MAX_REPORTED_ISSUES = 500;
/** member strategies an ensemble may combine */
export const LAB_MAX_ENSEMBLE_MEMBERS = 6;

// ---------- field schemas ----------

/** a number in [min, max] (or (min, max] when `above`), with a message that names the range */
function ranged(label: string, min: number, max: number, opts: { int?: boolean; above?: boolean } = {}) {
  const kind = opts.int ? 'a whole number' : 'a number';
  const range = opts.above ? `greater than ${min} and at most ${max}` : `between ${min} and ${max}`;
  const message = `${label} must be ${kind} ${range}`;
  const base = z.number({ error: message });
  const checked = opts.int ? base.int(message) : base;
  return (opts.above ? checked.gt(min, message) : checked.min(min, message)).max(max, message);
}

const DATASET_ID = /^(sim|csv):[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$/;
const datasetId = z
  .string({ error: 'dataset must be a dataset id such as "sim:AAPL" or "csv:GOOG" (see lab:datasets)' })
  .regex(DATASET_ID, 'dataset must be a dataset id such as "sim:AAPL" or "csv:GOOG" (see lab:datasets)');
const runName = z.string().trim().min(1).max(80, 'name must be at most 80 characters');
const resultId = z.string().min(1).max(64);
const paramName = z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,39}$/, 'parameter names are letters and digits');
const paramValues = z.record(paramName, z.number({ error: 'parameter values must be finite numbers' }));

const regimeGateSchema = z.strictObject({
  allowed: z.array(z.enum(REGIMES as [Regime, ...Regime[]])).min(1, `allow at least one regime (${REGIMES.join(', ')})`),
  params: paramValues.optional(),
});

const ensembleModeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('consensus'), k: ranged('ensemble consensus k', 1, 10, { int: true }) }),
  z.strictObject({
    kind: z.literal('weighted'),
    lookback: ranged('ensemble lookback', 1, 10_000, { int: true }),
    threshold: ranged('ensemble threshold', 0, 1, { above: true }),
  }),
  z.strictObject({ kind: z.literal('confidence'), threshold: ranged('ensemble threshold', 0, 1, { above: true }) }),
]);

const strategyIdSchema = z.string().refine((id) => STRATEGY_REGISTRY.has(id), {
  message: `strategy must be one of ${[...STRATEGY_REGISTRY.keys()].join(', ')}`,
});

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** a strategy as data; refined by building it, so every range the registry declares is enforced here */
export const strategySpecSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('single'), id: strategyIdSchema, params: paramValues, regime: regimeGateSchema.optional() }),
    z.strictObject({
      kind: z.literal('ensemble'),
      members: z.array(z.strictObject({ id: strategyIdSchema, params: paramValues })).min(2, 'an ensemble needs at least 2 members').max(LAB_MAX_ENSEMBLE_MEMBERS, `an ensemble has at most ${LAB_MAX_ENSEMBLE_MEMBERS} members`),
      mode: ensembleModeSchema,
      regime: regimeGateSchema.optional(),
    }),
  ])
  .superRefine((spec, ctx) => {
    // an unknown id is reported once, by its own field
    const ids = spec.kind === 'single' ? [spec.id] : spec.members.map((m) => m.id);
    if (!ids.every((id) => STRATEGY_REGISTRY.has(id))) return;
    try {
      buildStrategy(spec as StrategySpec);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: errorText(e) });
    }
  });

const commissionSchema = z.strictObject({
  perShare: ranged('commission per share ($)', 0, 10).default(0),
  pct: ranged('commission as a fraction of notional (0.002 = 0.2%)', 0, 0.1).default(0),
  fixed: ranged('commission per fill ($)', 0, 1000).default(0),
});

const slippageSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('bps'), bps: ranged('slippage (basis points)', 0, 1000) }),
  z.strictObject({
    kind: z.literal('atr'),
    fraction: ranged('slippage (fraction of ATR)', 0, 5),
    period: ranged('slippage ATR period', 1, 500, { int: true }).optional(),
  }),
]);

export const costsSchema = z.strictObject({
  commission: commissionSchema.default({ perShare: 0, pct: 0, fixed: 0 }),
  slippage: slippageSchema.default({ kind: 'none' }),
});

export const sizingSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all-in') }),
  z.strictObject({ kind: z.literal('fixed-fraction'), fraction: ranged('sizing fraction of equity', 0, 1, { above: true }) }),
  z.strictObject({
    kind: z.literal('risk'),
    riskFraction: ranged('risk per trade (fraction of equity)', 0, 0.2, { above: true }),
    stopAtr: ranged('stop distance (x ATR)', 0, 20, { above: true }),
    atrPeriod: ranged('sizing ATR period', 1, 500, { int: true }).optional(),
  }),
]);

/** what every run shares: the data, the money, the costs, the sizing */
const setupFields = {
  dataset: datasetId,
  cash: ranged('starting cash ($)', 100, 1_000_000_000).default(10_000),
  costs: costsSchema.default({ commission: { perShare: 0, pct: 0, fixed: 0 }, slippage: { kind: 'none' } }),
  sizing: sizingSchema.default({ kind: 'all-in' }),
  allowShort: z.boolean().default(false),
  /** entries pass the live RiskEngine with the app's current risk settings, refused as live would refuse them */
  riskGate: z.boolean().default(true),
  name: runName.optional(),
};

/** parameter name -> values to try, each value inside the registry's range for that parameter */
const gridSchema = z.record(paramName, z.array(z.number()).min(1, 'give each grid parameter at least one value').max(LAB_MAX_GRID_VALUES));

/** checks a catalogue strategy's base parameters and grid against its ParamSpec ranges */
function checkGrid(strategyId: string, params: Record<string, number>, grid: Record<string, number[]>, ctx: z.RefinementCtx): void {
  if (!STRATEGY_REGISTRY.has(strategyId)) return;
  const def = strategyDefinition(strategyId);
  try {
    validateParams(strategyId, def.params, params);
  } catch (e) {
    ctx.addIssue({ code: 'custom', path: ['params'], message: errorText(e) });
    return;
  }
  let points = 1;
  for (const [name, values] of Object.entries(grid)) {
    const spec = def.params.find((p) => p.name === name);
    if (!spec) {
      ctx.addIssue({ code: 'custom', path: ['grid', name], message: `${strategyId} has no parameter "${name}"; expected one of ${def.params.map((p) => p.name).join(', ')}` });
      return;
    }
    for (const v of values) {
      try {
        validateParams(strategyId, [spec], { [name]: v });
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['grid', name], message: errorText(e) });
        return;
      }
    }
    points *= values.length;
  }
  if (points > LAB_MAX_GRID_POINTS) {
    ctx.addIssue({ code: 'custom', path: ['grid'], message: `the grid has ${points} points; at most ${LAB_MAX_GRID_POINTS}: narrow the ranges or widen the steps` });
  }
}

const objectiveSchema = z.enum(['sharpe', 'totalReturn', 'calmar', 'sortino']);
/** the metric a sweep ranks by, and a walk-forward chooses each window's parameters by */
export type LabObjective = z.infer<typeof objectiveSchema>;

export const labRequestSchemas = {
  /** the strategies with their parameters (ranges, defaults), and the regimes a gate can allow */
  'lab:catalogue': z.strictObject({}),
  /** bars cached for each simulator symbol, and imported CSVs */
  'lab:datasets': z.strictObject({}),
  'lab:import_csv': z.strictObject({
    path: z
      .string()
      .min(1, 'give the CSV file path on the machine running the supervisor')
      .max(4096)
      .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'path must be absolute (e.g. /home/me/data/GOOG.csv)'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}$/, 'name must be 1 to 60 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit')
      .optional(),
    /** drop bad lines and sort out-of-order ones (each reported) instead of refusing the file */
    repair: z.boolean().default(false),
    /** replace a dataset of the same name */
    replace: z.boolean().default(false),
  }),
  'lab:delete_dataset': z.strictObject({ dataset: datasetId }),
  /** the dataset's bars for the trade chart: at most maxBars candles (consecutive bars merged when there are more) */
  'lab:dataset_bars': z.strictObject({
    dataset: datasetId,
    fromT: z.number().int().optional(),
    toT: z.number().int().optional(),
    maxBars: ranged('maxBars', 10, LAB_MAX_CHART_BARS, { int: true }).default(2000),
  }),
  'lab:run_backtest': z.strictObject({ ...setupFields, strategy: strategySpecSchema }),
  'lab:run_walk_forward': z
    .strictObject({
      ...setupFields,
      strategyId: strategyIdSchema,
      /** base parameters; the grid's values replace them window by window (chosen on the train bars) */
      params: paramValues.default({}),
      grid: gridSchema.default({}),
      trainBars: ranged('train window (bars)', 20, 10_000_000, { int: true }),
      testBars: ranged('test window (bars)', 2, 10_000_000, { int: true }),
      stepBars: ranged('step between windows (bars)', 1, 10_000_000, { int: true }).optional(),
      anchored: z.boolean().default(false),
      objective: objectiveSchema.default('sharpe'),
    })
    .superRefine((r, ctx) => checkGrid(r.strategyId, r.params, r.grid, ctx)),
  'lab:run_sweep': z
    .strictObject({
      ...setupFields,
      strategyId: strategyIdSchema,
      params: paramValues.default({}),
      grid: gridSchema.refine((g) => Object.keys(g).length > 0, 'a sweep needs at least one grid parameter'),
      /** how the points are ranked in the summary */
      objective: objectiveSchema.default('sharpe'),
    })
    .superRefine((r, ctx) => checkGrid(r.strategyId, r.params, r.grid, ctx)),
  'lab:cancel': z.strictObject({ runId: resultId }),
  /** runs in progress (a page that reloads mid-run picks them up) */
  'lab:runs': z.strictObject({}),
  'lab:results': z.strictObject({
    kind: z.enum(['backtest', 'walk-forward', 'sweep']).optional(),
    limit: ranged('limit', 1, 1000, { int: true }).default(200),
  }),
  'lab:result': z.strictObject({ id: resultId }),
  'lab:delete_result': z.strictObject({ id: resultId }),
} satisfies Record<`lab:${string}`, z.ZodType>;

// ---------- results ----------

export type LabRunKind = 'backtest' | 'walk-forward' | 'sweep';

export interface LabStrategyInfo {
  id: string;
  name: string;
  description: string;
  params: ParamSpec[];
}

export interface LabCatalogue {
  strategies: LabStrategyInfo[];
  regimes: Regime[];
}

export interface LabDataset {
  /** "sim:AAPL" or "csv:GOOG" */
  id: string;
  source: 'sim' | 'csv';
  name: string;
  bars: number;
  firstT: number | null;
  lastT: number | null;
  /** the usual spacing of the bars (median), ms */
  intervalMs: number | null;
  /** where the bars come from: the CSV's path, or the simulator's cache */
  origin: string;
  importedAt: number | null;
  /** issues found at import (repaired lines and reported gaps) */
  issueCount: number;
}

export type LabImportResult =
  | { status: 'imported'; dataset: LabDataset; issues: CsvIssue[]; issueCount: number }
  /** nothing was stored: `issues` lists every affected line (up to LAB_MAX_REPORTED_ISSUES) */
  | { status: 'refused'; message: string; issues: CsvIssue[]; issueCount: number };

export interface LabDatasetBars {
  dataset: string;
  bars: Bar[];
  /** source bars merged into each candle (1 when none were) */
  barsPerCandle: number;
}

export type LabPhase = 'loading' | 'running' | 'saving';

export interface LabRunStatus {
  runId: string;
  kind: LabRunKind;
  name: string;
  dataset: string;
  phase: LabPhase;
  /**
   * units done of total: a backtest's bars once it runs (0 of 1 while loading), sweep points,
   * walk-forward windows; a backtest reports every 1% of its bars, at most every 100 ms
   */
  done: number;
  total: number;
  startedAt: number;
}

export interface LabRunFinished {
  runId: string;
  kind: LabRunKind;
  name: string;
  status: 'done' | 'cancelled' | 'failed';
  message: string;
  /** the saved result's summary when done; nothing is saved otherwise */
  result: LabResultSummary | null;
  finishedAt: number;
}

/** JSON has no NaN or Infinity: an undefined figure (no trades, no variance) is null */
export type LabMetrics = { [K in keyof BacktestMetrics]: number | null } & {
  /** entries the live risk gate refused (absent: run without the gate, or saved before it existed) */
  riskRefused?: number;
};

export interface LabCosts {
  commission: { perShare: number; pct: number; fixed: number };
  slippage: SlippageModel;
}

export interface LabSetup {
  dataset: string;
  datasetName: string;
  bars: number;
  fromT: number;
  toT: number;
  cash: number;
  costs: LabCosts;
  sizing: SizingModel;
  allowShort: boolean;
  /** whether entries went through the live RiskEngine (absent in results saved before the option) */
  riskGate?: boolean;
}

export interface LabWalkForwardSummary {
  windows: number;
  /** windows whose out-of-sample Sharpe is above 0 */
  positiveWindows: number;
  meanTestSharpe: number | null;
  trainBars: number;
  testBars: number;
  stepBars: number;
  anchored: boolean;
  objective: LabObjective;
  gridPoints: number;
}

export interface LabSweepSummary {
  points: number;
  skipped: number;
  objective: LabObjective;
  best: { params: Record<string, number>; score: number | null } | null;
}

export interface LabResultSummary {
  id: string;
  kind: LabRunKind;
  name: string;
  createdAt: number;
  durationMs: number;
  /** the catalogue id of the strategy ('ensemble' for an ensemble) */
  strategyId: string;
  strategy: StrategySpec;
  setup: LabSetup;
  /** a backtest's metrics (null for the other kinds) */
  metrics: LabMetrics | null;
  /** a backtest's entries refused by the risk gate, per RiskEngine rule (absent without the gate) */
  riskRefusals?: Record<string, number>;
  walkForward: LabWalkForwardSummary | null;
  sweep: LabSweepSummary | null;
}

export interface LabTrade {
  side: 'long' | 'short';
  size: number;
  entryTime: number;
  exitTime: number;
  entryPrice: number;
  exitPrice: number;
  pnl: number;
  returnPct: number;
  commission: number;
  exitReason: ExitReason;
}

export interface LabWindow {
  index: number;
  trainFromT: number;
  trainToT: number;
  testFromT: number;
  testToT: number;
  params: Record<string, number>;
  trainScore: number | null;
  test: LabMetrics;
}

export interface LabSweepPoint {
  params: Record<string, number>;
  metrics: LabMetrics;
}

export type LabResult =
  | {
      kind: 'backtest';
      summary: LabResultSummary;
      trades: LabTrade[];
      /** trades the run made (more than `trades` holds when over LAB_MAX_TRADES) */
      tradesTotal: number;
      equity: CurvePoint[];
      drawdown: CurvePoint[];
    }
  | { kind: 'walk-forward'; summary: LabResultSummary; windows: LabWindow[] }
  | { kind: 'sweep'; summary: LabResultSummary; points: LabSweepPoint[]; skipped: { params: Record<string, number>; reason: string }[] };

export interface LabResultTypes {
  'lab:catalogue': LabCatalogue;
  'lab:datasets': LabDataset[];
  'lab:import_csv': LabImportResult;
  'lab:delete_dataset': { deleted: string };
  'lab:dataset_bars': LabDatasetBars;
  'lab:run_backtest': LabRunStatus;
  'lab:run_walk_forward': LabRunStatus;
  'lab:run_sweep': LabRunStatus;
  'lab:cancel': { runId: string; cancelled: boolean };
  'lab:runs': LabRunStatus[];
  'lab:results': LabResultSummary[];
  'lab:result': LabResult;
  'lab:delete_result': { deleted: string };
}

// ---------- events ----------

export interface LabEventTypes {
  /** a run moved on (phase or units done) */
  'lab:progress': LabRunStatus;
  /** a run ended: saved (with its summary), cancelled or failed; nothing is saved unless done */
  'lab:finished': LabRunFinished;
  /** the saved results changed (a save or a delete, from any window) */
  'lab:results_changed': { ids: string[] };
  /** the datasets changed (an import or a delete) */
  'lab:datasets_changed': { ids: string[] };
}

export const LAB_EVENT_NAMES: (keyof LabEventTypes)[] = ['lab:progress', 'lab:finished', 'lab:results_changed', 'lab:datasets_changed'];
