// The settings form's text fields and the patch they make: pure, so it is unit-tested.
import type { SettingsPatch } from '../engine/api/contract';
import type { Settings } from '../engine/domain/types';

export interface SettingsDraft {
  riskPct: string;
  maxPositionPct: string;
  maxOpenPositions: string;
  fast: string;
  slow: string;
  symbols: string;
  approvalTimeoutSec: string;
}

export function draftOf(s: Settings): SettingsDraft {
  return {
    riskPct: String(+(s.risk.riskPerTradePct * 100).toFixed(4)),
    maxPositionPct: String(+(s.risk.maxPositionNotionalPct * 100).toFixed(4)),
    maxOpenPositions: String(s.risk.maxOpenPositions),
    fast: String(s.strategy.fast),
    slow: String(s.strategy.slow),
    symbols: s.strategy.symbols.join(', '),
    approvalTimeoutSec: String(s.approvalTimeoutSec),
  };
}

/**
 * The patch from the current settings to the draft. Numbers the user mangled go through as NaN
 * for the engine's validation to name; percentages become fractions.
 */
export function patchFrom(current: Settings, d: SettingsDraft): SettingsPatch {
  const num = (t: string) => (t.trim() === '' ? Number.NaN : Number(t));
  const patch: SettingsPatch = {};
  const risk: NonNullable<SettingsPatch['risk']> = {};
  const riskPerTradePct = num(d.riskPct) / 100;
  const maxPositionNotionalPct = num(d.maxPositionPct) / 100;
  const maxOpenPositions = num(d.maxOpenPositions);
  if (riskPerTradePct !== current.risk.riskPerTradePct) risk.riskPerTradePct = riskPerTradePct;
  if (maxPositionNotionalPct !== current.risk.maxPositionNotionalPct) risk.maxPositionNotionalPct = maxPositionNotionalPct;
  if (maxOpenPositions !== current.risk.maxOpenPositions) risk.maxOpenPositions = maxOpenPositions;
  if (Object.keys(risk).length > 0) patch.risk = risk;
  const strategy: NonNullable<SettingsPatch['strategy']> = {};
  const fast = num(d.fast);
  const slow = num(d.slow);
  const symbols = d.symbols
    .split(/[\s,]+/)
    .map((x) => x.trim().toUpperCase())
    .filter((x) => x !== '');
  if (fast !== current.strategy.fast) strategy.fast = fast;
  if (slow !== current.strategy.slow) strategy.slow = slow;
  if (symbols.join(',') !== current.strategy.symbols.join(',')) strategy.symbols = symbols;
  if (Object.keys(strategy).length > 0) patch.strategy = strategy;
  const timeout = num(d.approvalTimeoutSec);
  if (timeout !== current.approvalTimeoutSec) patch.approvalTimeoutSec = timeout;
  return patch;
}
