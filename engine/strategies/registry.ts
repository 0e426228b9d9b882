// The strategy catalogue: id -> declared parameters (ranges, defaults) and a factory that
// validates parameters before building the strategy. The UI, the CLI and the backtester all
// create strategies through here, so a bad parameter is refused in one place with one message.
// `buildStrategy` adds composition: an ensemble of catalogue strategies, and a regime gate
// around any of them.
import { BOLLINGER_REVERSION_ID, BOLLINGER_REVERSION_PARAMS, BollingerReversion } from './bollingerReversion';
import { EMA_BREAKOUT_ID, EMA_BREAKOUT_PARAMS, EmaBreakout } from './emaBreakout';
import { Ensemble, type EnsembleMode } from './ensemble';
import { MACD_TREND_ID, MACD_TREND_PARAMS, MacdTrend } from './macdTrend';
import { validateParams, type StrategyParams } from './params';
import { RegimeDetector, type Regime, type RegimeParams } from './regime';
import { RegimeGate } from './regimeGate';
import { RSI_MEAN_REVERSION_ID, RSI_MEAN_REVERSION_PARAMS, RsiMeanReversion } from './rsiMeanReversion';
import { SMA_CROSS_ID, SMA_CROSS_PARAMS, SmaCross } from './smaCross';
import type { ParamSpec, Strategy } from './types';
import { assertNever } from '../util/assert';

export interface StrategyDefinition {
  id: string;
  name: string;
  description: string;
  params: readonly ParamSpec[];
  /** validates `params` (defaults fill gaps) and builds a fresh instance; throws StrategyParamError */
  create(params: Readonly<Record<string, unknown>>): Strategy;
}

function define(id: string, name: string, description: string, params: readonly ParamSpec[], build: (p: StrategyParams) => Strategy): StrategyDefinition {
  return { id, name, description, params, create: (raw) => build(validateParams(id, params, raw)) };
}

const definitions: StrategyDefinition[] = [
  define(SMA_CROSS_ID, 'SMA crossover', 'Long when the fast SMA crosses above the slow SMA, short when it crosses below.', SMA_CROSS_PARAMS, (p) =>
    new SmaCross({ fast: p.fast!, slow: p.slow! }),
  ),
  define(EMA_BREAKOUT_ID, 'EMA breakout', 'Long when the close breaks above an envelope around the EMA, short when it breaks below.', EMA_BREAKOUT_PARAMS, (p) =>
    new EmaBreakout({ period: p.period!, band: p.band! }),
  ),
  define(RSI_MEAN_REVERSION_ID, 'RSI mean reversion', 'Long when RSI is oversold, short when overbought, flat when it returns to the middle.', RSI_MEAN_REVERSION_PARAMS, (p) =>
    new RsiMeanReversion({ period: p.period!, oversold: p.oversold!, overbought: p.overbought!, exit: p.exit! }),
  ),
  define(MACD_TREND_ID, 'MACD trend', 'Long when MACD crosses above its signal line, short when it crosses below.', MACD_TREND_PARAMS, (p) =>
    new MacdTrend({ fast: p.fast!, slow: p.slow!, signal: p.signal! }),
  ),
  define(BOLLINGER_REVERSION_ID, 'Bollinger mean reversion', 'Long below the lower band, short above the upper band, flat back at the middle.', BOLLINGER_REVERSION_PARAMS, (p) =>
    new BollingerReversion({ period: p.period!, k: p.k! }),
  ),
];

export const STRATEGY_REGISTRY: ReadonlyMap<string, StrategyDefinition> = new Map(definitions.map((d) => [d.id, d]));

export class UnknownStrategyError extends RangeError {
  override readonly name = 'UnknownStrategyError';
}

export function strategyDefinition(id: string): StrategyDefinition {
  const d = STRATEGY_REGISTRY.get(id);
  if (!d) throw new UnknownStrategyError(`unknown strategy "${id}"; choose one of ${[...STRATEGY_REGISTRY.keys()].join(', ')}`);
  return d;
}

export function createStrategy(id: string, params: Readonly<Record<string, unknown>>): Strategy {
  return strategyDefinition(id).create(params);
}

/** a strategy as plain data (what the UI saves and workers receive) */
export type StrategySpec =
  | { kind: 'single'; id: string; params: Record<string, number>; regime?: RegimeGateSpec }
  | { kind: 'ensemble'; members: { id: string; params: Record<string, number> }[]; mode: EnsembleMode; regime?: RegimeGateSpec };

export interface RegimeGateSpec {
  allowed: Regime[];
  params?: Partial<RegimeParams>;
}

/** builds a fresh strategy from its spec; throws a readable error for any bad part */
export function buildStrategy(spec: StrategySpec): Strategy {
  let s: Strategy;
  switch (spec.kind) {
    case 'single':
      s = createStrategy(spec.id, spec.params);
      break;
    case 'ensemble':
      s = new Ensemble(spec.members.map((m) => createStrategy(m.id, m.params)), spec.mode);
      break;
    default:
      return assertNever(spec, 'strategy spec');
  }
  return spec.regime ? new RegimeGate(s, new RegimeDetector(spec.regime.params), spec.regime.allowed) : s;
}
