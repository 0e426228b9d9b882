// One line that says what a saved strategy was, so two results can be told apart in the results
// list, the comparison and the metrics CSV: a strategy with its parameters, or an ensemble with
// its voting rule and every member with its parameters.
import type { StrategySpec } from '../../engine/api/lab';
import { assertNever } from '../assertNever';

type EnsembleMode = Extract<StrategySpec, { kind: 'ensemble' }>['mode'];

const paramsText = (params: Record<string, number>): string =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

const memberText = (id: string, params: Record<string, number>): string => `${id} ${paramsText(params)}`.trim();

export function ruleText(mode: EnsembleMode, members: number): string {
  switch (mode.kind) {
    case 'consensus':
      return `consensus ${mode.k} of ${members}`;
    case 'weighted':
      return `weighted vote >= ${mode.threshold}, lookback ${mode.lookback}`;
    case 'confidence':
      return `confidence >= ${mode.threshold}`;
    default:
      return assertNever(mode);
  }
}

/** e.g. "sma-cross fast=5 slow=20" or "ensemble (consensus 2 of 2): sma-cross fast=5 slow=20 + ema-breakout period=20 band=0.01" */
export function strategyText(spec: StrategySpec): string {
  const regime = spec.regime ? ` @${spec.regime.allowed.join('+')}` : '';
  switch (spec.kind) {
    case 'single':
      return `${memberText(spec.id, spec.params)}${regime}`;
    case 'ensemble':
      return `ensemble (${ruleText(spec.mode, spec.members.length)}): ${spec.members.map((m) => memberText(m.id, m.params)).join(' + ')}${regime}`;
    default:
      return assertNever(spec);
  }
}
