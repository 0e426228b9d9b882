// Parameter validation shared by every strategy: values are checked against the declared
// ParamSpec ranges, defaults fill what is missing, and errors name the range to use.
import type { ParamSpec } from './types';

export type StrategyParams = Record<string, number>;

export class StrategyParamError extends RangeError {
  override readonly name = 'StrategyParamError';
}

export function param(name: string, label: string, min: number, max: number, dflt: number, integer = true, step = integer ? 1 : 0.01): ParamSpec {
  return { name, label, min, max, step, default: dflt, integer };
}

/**
 * Checks `raw` against `specs` and returns a complete parameter set (defaults filled in).
 * Throws StrategyParamError naming the parameter, its range and what was given.
 */
export function validateParams(strategyId: string, specs: readonly ParamSpec[], raw: Readonly<Record<string, unknown>>): StrategyParams {
  const known = new Set(specs.map((s) => s.name));
  for (const key of Object.keys(raw)) {
    if (!known.has(key) && raw[key] !== undefined) {
      throw new StrategyParamError(
        `${strategyId}: unknown parameter "${key}"; expected one of ${[...known].join(', ')}`,
      );
    }
  }
  const out: StrategyParams = {};
  for (const s of specs) {
    const v = raw[s.name] ?? s.default;
    const kind = s.integer ? 'a whole number' : 'a number';
    if (typeof v !== 'number' || !Number.isFinite(v) || (s.integer && !Number.isInteger(v)) || v < s.min || v > s.max) {
      throw new StrategyParamError(
        `${strategyId}: ${s.name} (${s.label}) must be ${kind} between ${s.min} and ${s.max}, got ${JSON.stringify(v) ?? String(v)}`,
      );
    }
    out[s.name] = v;
  }
  return out;
}

/** for pairs such as fast/slow: `a` must be strictly less than `b` */
export function requireLess(strategyId: string, p: StrategyParams, a: string, b: string): void {
  if (!((p[a] ?? 0) < (p[b] ?? 0))) {
    throw new StrategyParamError(`${strategyId}: ${a} (${String(p[a])}) must be less than ${b} (${String(p[b])})`);
  }
}

/** two decimals for reason texts: enough for a user, cheap to format */
export const fmt = (x: number): string => x.toFixed(2);
