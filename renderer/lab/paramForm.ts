// Parameter inputs built from a strategy's ParamSpec: drafts are the text the user typed,
// checked inline against the declared range with the registry's wording, before any request.
import type { ParamSpec } from '../../engine/api/lab';

export type ParamDraft = Record<string, string>;

export function defaultDraft(specs: readonly ParamSpec[]): ParamDraft {
  return Object.fromEntries(specs.map((s) => [s.name, String(s.default)]));
}

/** the problem with one typed value, worded as the registry words it; null when it is fine */
export function paramProblem(spec: ParamSpec, text: string): string | null {
  const kind = spec.integer ? 'a whole number' : 'a number';
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || (spec.integer && !Number.isInteger(v)) || v < spec.min || v > spec.max) {
    return `${spec.name} (${spec.label}) must be ${kind} between ${spec.min} and ${spec.max}`;
  }
  return null;
}

export function draftProblems(specs: readonly ParamSpec[], draft: ParamDraft): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const p = paramProblem(s, draft[s.name] ?? '');
    if (p) out[s.name] = p;
  }
  return out;
}

/** the values of a draft without problems (callers check draftProblems first) */
export function draftValues(specs: readonly ParamSpec[], draft: ParamDraft): Record<string, number> {
  return Object.fromEntries(specs.map((s) => [s.name, Number(draft[s.name] ?? s.default)]));
}

/** a swept parameter: from, to and step as typed */
export interface GridDraft {
  from: string;
  to: string;
  step: string;
}

export const MAX_VALUES_PER_PARAM = 200;

/** the values from..to by step (inclusive, rounded to the step's decimals), or the problem */
export function gridValues(spec: ParamSpec, g: GridDraft): { values: number[] } | { problem: string } {
  const from = Number(g.from);
  const to = Number(g.to);
  const step = Number(g.step);
  for (const [what, text] of [['from', g.from], ['to', g.to]] as const) {
    const p = paramProblem(spec, text);
    if (p) return { problem: `${what}: ${p}` };
  }
  if (!(step > 0) || (spec.integer && !Number.isInteger(step))) return { problem: `${spec.name} step must be ${spec.integer ? 'a whole number' : 'a number'} greater than 0` };
  if (to < from) return { problem: `${spec.name}: "to" (${to}) is below "from" (${from})` };
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  if (count > MAX_VALUES_PER_PARAM) return { problem: `${spec.name}: ${count} values; at most ${MAX_VALUES_PER_PARAM} (widen the step)` };
  const decimals = (g.step.split('.')[1] ?? '').length;
  return { values: Array.from({ length: count }, (_, i) => +(from + i * step).toFixed(decimals)) };
}

export function defaultGrid(spec: ParamSpec): GridDraft {
  const span = spec.max - spec.min;
  const step = spec.integer ? Math.max(1, Math.round(span / 20)) : +(span / 10).toPrecision(2);
  const from = spec.default;
  const to = Math.min(spec.max, +(spec.default + step * 4).toFixed(6));
  return { from: String(from), to: String(to), step: String(step) };
}
