// Every number the Settings form edits, written down once: where it lives in Settings, its group,
// label, unit and the range the engine accepts (the contract's schema limits, in stored units:
// percentages as fractions). A unit test holds this table to the schema, so a limit changed in
// the contract fails there instead of showing a wrong range here.
import type { SettingsPatch } from '../engine/api/contract';
import type { DeadManSettings, ReadinessThresholds, RiskSettings, Settings } from '../engine/domain/types';
import { assertNever } from './assertNever';

export type SettingsGroup = 'sizing' | 'limits' | 'breakers' | 'filters' | 'live' | 'deadMan' | 'strategy' | 'approvals' | 'readiness';

export const SETTINGS_GROUPS: { id: SettingsGroup; legend: string }[] = [
  { id: 'sizing', legend: 'Sizing' },
  { id: 'limits', legend: 'Limits' },
  { id: 'breakers', legend: 'Breakers' },
  { id: 'filters', legend: 'Entry filters' },
  { id: 'live', legend: 'Live trading' },
  { id: 'deadMan', legend: 'Dead-man switch (autonomous mode)' },
  { id: 'strategy', legend: 'Strategy: SMA crossover' },
  { id: 'approvals', legend: 'Approvals' },
  { id: 'readiness', legend: 'Readiness evidence (the checklist that gates autonomous and live trading)' },
];

/**
 * percent: stored as a fraction, shown and typed in %; atr / median: a multiple of the ATR or of
 * its median; correlation: a coefficient (0..1); the rest are plain counts and durations.
 */
export type FieldUnit = 'percent' | 'atr' | 'median' | 'correlation' | 'positions' | 'bars' | 'seconds' | 'ratio' | 'trades' | 'days' | 'points';

type DeadManNumber = Exclude<keyof DeadManSettings, 'enabled'>;

export type NumericFieldId = keyof RiskSettings | DeadManNumber | keyof ReadinessThresholds | 'fast' | 'slow' | 'approvalTimeoutSec';

export interface NumericField {
  id: NumericFieldId;
  /** the field's path as the engine names it in a refusal, e.g. "risk.riskPerTradePct" */
  path: string;
  group: SettingsGroup;
  label: string;
  unit: FieldUnit;
  /** stored units; `minExclusive`: the value must be above min, not equal to it */
  min: number;
  minExclusive: boolean;
  max: number;
  integer: boolean;
  read(s: Settings): number;
  write(patch: SettingsPatch, value: number): void;
}

type FieldSpec = Pick<NumericField, 'group' | 'label' | 'unit' | 'min' | 'max'> & { minExclusive?: boolean; integer?: boolean };

function riskField<K extends keyof RiskSettings>(id: K, spec: FieldSpec): NumericField {
  return {
    id,
    path: `risk.${id}`,
    minExclusive: false,
    integer: false,
    ...spec,
    read: (s) => s.risk[id],
    write: (patch, value) => {
      patch.risk = { ...patch.risk, [id]: value };
    },
  };
}

function deadManField(id: DeadManNumber, spec: FieldSpec): NumericField {
  return {
    id,
    path: `deadMan.${id}`,
    minExclusive: false,
    integer: false,
    ...spec,
    read: (s) => s.deadMan[id],
    write: (patch, value) => {
      patch.deadMan = { ...patch.deadMan, [id]: value };
    },
  };
}

function readinessField(id: keyof ReadinessThresholds, spec: FieldSpec): NumericField {
  return {
    id,
    path: `readiness.${id}`,
    minExclusive: false,
    integer: false,
    ...spec,
    read: (s) => s.readiness[id],
    write: (patch, value) => {
      patch.readiness = { ...patch.readiness, [id]: value };
    },
  };
}

function strategyField(id: 'fast' | 'slow', spec: FieldSpec): NumericField {
  return {
    id,
    path: `strategy.${id}`,
    minExclusive: false,
    integer: false,
    ...spec,
    read: (s) => s.strategy[id],
    write: (patch, value) => {
      patch.strategy = { ...patch.strategy, [id]: value };
    },
  };
}

const pct = { unit: 'percent', min: 0, minExclusive: true } as const;

export const NUMERIC_FIELDS: readonly NumericField[] = [
  riskField('riskPerTradePct', { ...pct, group: 'sizing', label: 'Risk per trade (% of equity)', max: 0.02 }),
  riskField('stopAtrMultiple', { group: 'sizing', label: 'Stop distance', unit: 'atr', min: 0.5, max: 10 }),
  riskField('targetAtrMultiple', { group: 'sizing', label: 'Target distance', unit: 'atr', min: 0.5, max: 20 }),
  riskField('maxPositionNotionalPct', { ...pct, group: 'limits', label: 'Max position size (% of equity)', max: 1 }),
  riskField('maxOpenPositions', { group: 'limits', label: 'Max open positions', unit: 'positions', min: 1, max: 100, integer: true }),
  riskField('maxGrossExposurePct', { ...pct, group: 'limits', label: 'Max gross exposure (% of equity)', max: 2 }),
  riskField('dailyLossAlertPct', { ...pct, group: 'breakers', label: 'Daily loss: alert at', max: 0.5 }),
  riskField('dailyLossReducePct', { ...pct, group: 'breakers', label: 'Daily loss: stop new entries at', max: 0.5 }),
  riskField('drawdownAlertPct', { ...pct, group: 'breakers', label: 'Drawdown from peak: alert at', max: 0.9 }),
  riskField('drawdownHaltPct', { ...pct, group: 'breakers', label: 'Drawdown from peak: halt at', max: 0.9 }),
  riskField('volatilityBreakerMultiple', { group: 'breakers', label: 'Volatility breaker: ATR% above', unit: 'median', min: 1, max: 20 }),
  riskField('staleDataBars', { group: 'filters', label: 'Stale data: last bar older than', unit: 'bars', min: 1, max: 100, integer: true }),
  riskField('maxCorrelation', { group: 'filters', label: 'Max correlation with an open position', unit: 'correlation', min: 0, minExclusive: true, max: 1 }),
  riskField('liveExposureCapPct', { ...pct, group: 'live', label: 'Live capital throttle (% of equity)', max: 1 }),
  deadManField('dataStaleSec', { group: 'deadMan', label: 'Market data silent for more than', unit: 'seconds', min: 5, max: 3600, integer: true }),
  deadManField('brokerLostSec', { group: 'deadMan', label: 'Broker disconnected for more than', unit: 'seconds', min: 5, max: 3600, integer: true }),
  readinessField('minSharpe', { group: 'readiness', label: 'Backtest Sharpe above', unit: 'ratio', min: -5, max: 10 }),
  readinessField('maxDrawdown', { ...pct, group: 'readiness', label: 'Backtest max drawdown below', max: 1 }),
  readinessField('minWinRate', { group: 'readiness', label: 'Win rate at least', unit: 'percent', min: 0, max: 1 }),
  readinessField('maxWinRate', { group: 'readiness', label: 'Win rate at most (above: overfitting)', unit: 'percent', min: 0, max: 1 }),
  readinessField('minTrades', { group: 'readiness', label: 'Backtest trades at least', unit: 'trades', min: 1, max: 100_000, integer: true }),
  readinessField('minPositiveWindowShare', { group: 'readiness', label: 'Walk-forward windows with Sharpe > 0', unit: 'percent', min: 0, max: 1 }),
  readinessField('minPaperDays', { group: 'readiness', label: 'Paper trading days at least', unit: 'days', min: 1, max: 3650, integer: true }),
  readinessField('maxPaperDeviationPp', { group: 'readiness', label: 'Paper return within of the backtest', unit: 'points', min: 0, max: 100 }),
  strategyField('fast', { group: 'strategy', label: 'Fast SMA', unit: 'bars', min: 2, max: 500, integer: true }),
  strategyField('slow', { group: 'strategy', label: 'Slow SMA', unit: 'bars', min: 3, max: 1000, integer: true }),
  {
    id: 'approvalTimeoutSec',
    path: 'approvalTimeoutSec',
    group: 'approvals',
    label: 'Approval timeout (seconds)',
    unit: 'seconds',
    min: 5,
    minExclusive: false,
    max: 3600,
    integer: true,
    read: (s) => s.approvalTimeoutSec,
    write: (patch, value) => {
      patch.approvalTimeoutSec = value;
    },
  },
];

/** Stored value -> what the user types (percentages in %). */
export function toDisplay(field: Pick<NumericField, 'unit'>, stored: number): number {
  return field.unit === 'percent' ? stored * 100 : stored;
}

/** What the user typed -> stored value (percentages back to fractions). */
export function fromDisplay(field: Pick<NumericField, 'unit'>, shown: number): number {
  return field.unit === 'percent' ? shown / 100 : shown;
}

/** A number as the form shows it: at most 4 decimals, no float noise (0.07 * 100 -> "7"). */
export function displayText(field: Pick<NumericField, 'unit'>, stored: number): string {
  return String(+toDisplay(field, stored).toFixed(4));
}

/** The short unit after the input. */
export function unitSuffix(unit: FieldUnit): string {
  switch (unit) {
    case 'percent':
      return '%';
    case 'atr':
      return '× ATR';
    case 'median':
      return '× median';
    case 'correlation':
      return '';
    case 'positions':
      return 'positions';
    case 'bars':
      return 'bars';
    case 'seconds':
      return 's';
    case 'ratio':
      return '';
    case 'trades':
      return 'trades';
    case 'days':
      return 'days';
    case 'points':
      return 'percentage points';
    default:
      return assertNever(unit);
  }
}

/** The accepted range in the units the user types, e.g. "above 0, at most 2 %" or "5–3600 s". */
export function rangeText(field: Pick<NumericField, 'unit' | 'min' | 'max' | 'minExclusive' | 'integer'>): string {
  const lo = +toDisplay(field, field.min).toFixed(4);
  const hi = +toDisplay(field, field.max).toFixed(4);
  const suffix = unitSuffix(field.unit);
  const tail = suffix ? ` ${suffix}` : '';
  const whole = field.integer ? ', whole number' : '';
  return field.minExclusive ? `above ${lo}, at most ${hi}${tail}` : `${lo}–${hi}${tail}${whole}`;
}

/** Whether a typed text is a number inside the field's range (the form marks it; the engine decides). */
export function inRange(field: Pick<NumericField, 'unit' | 'min' | 'max' | 'minExclusive' | 'integer'>, text: string): boolean {
  if (text.trim() === '') return false;
  const shown = Number(text);
  if (!Number.isFinite(shown)) return false;
  const v = fromDisplay(field, shown);
  const eps = 1e-12;
  if (field.integer && !Number.isInteger(v)) return false;
  if (field.minExclusive ? v <= field.min : v < field.min - eps) return false;
  return v <= field.max + eps;
}

/**
 * The fields an engine refusal names: the engine's messages carry each bad field's path
 * ("patch.risk.riskPerTradePct: risk per trade must be at most 2%").
 */
export function fieldsNamedIn(message: string): Set<NumericFieldId> {
  const named = new Set<NumericFieldId>();
  for (const f of NUMERIC_FIELDS) {
    const escaped = f.path.replace(/\./g, '\\.');
    if (new RegExp(`(^|[^\\w])${escaped}(?!\\w)`).test(message)) named.add(f.id);
  }
  return named;
}

/**
 * What an engine refusal says about one field, for the line under it: the field's own clause
 * without the path ("risk per trade must be at most 2%"), the whole clause when it relates two
 * fields ("... must not be above risk.dailyLossReducePct ..."), the whole message otherwise.
 */
export function refusalFor(field: Pick<NumericField, 'path'>, message: string): string {
  const part = message.split(/;\s*/).find((p) => p.includes(field.path));
  if (part === undefined) return message;
  const after = part.slice(part.indexOf(field.path) + field.path.length);
  return after.startsWith(':') ? after.replace(/^:\s*/, '') : part;
}
