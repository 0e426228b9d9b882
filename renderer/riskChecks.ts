// How a risk check's value and limit read on an approval card. The engine reports both as bare
// numbers whose unit depends on the rule (dollars, a fraction of equity, a count, milliseconds,
// a state code...); each rule gets its own format, unknown rules a plain number. Pure, unit-tested.
import type { RiskCheckResult } from '../engine/domain/types';
import { money, quantity } from './format';

export interface CheckFigures {
  /** the rule in words */
  name: string;
  value: string;
  limit: string;
}

const STATE_NAMES = ['active', 'reducing', 'halted'] as const;

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const pctOf = (fraction: number, digits = 2) => (Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : '–');
const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '–');

export function checkFigures(c: Pick<RiskCheckResult, 'rule' | 'value' | 'limit'>): CheckFigures {
  switch (c.rule) {
    case 'trading_state':
      // value: 0 active, 1 reducing, 2 halted; limit: 1 when the order only shrinks a position
      return { name: 'trading state', value: STATE_NAMES[c.value] ?? String(c.value), limit: c.limit >= 1 ? 'active or reducing' : 'active' };
    case 'order_rate':
      return { name: 'order rate', value: `${c.value}/s`, limit: `${c.limit}/s` };
    case 'quantity':
      return { name: 'quantity', value: quantity(c.value), limit: `step ${quantity(c.limit)}` };
    case 'min_notional':
      return { name: 'min order value', value: money(c.value), limit: `≥ ${money(c.limit)}` };
    case 'risk_per_trade':
      return { name: 'risk per trade', value: pctOf(c.value), limit: `≤ ${pctOf(c.limit, 0)}` };
    case 'max_position_notional':
      return { name: 'position size', value: money(c.value), limit: `≤ ${money(c.limit)}` };
    case 'max_open_positions':
      return { name: 'open positions', value: String(c.value), limit: `≤ ${c.limit}` };
    case 'gross_exposure':
      return { name: 'gross exposure', value: money(c.value), limit: `≤ ${money(c.limit)}` };
    case 'live_capital_throttle':
      return { name: 'live capital throttle', value: money(c.value), limit: `≤ ${money(c.limit)}` };
    case 'volatility_breaker':
      return { name: 'volatility (ATR% / median)', value: `${fixed(c.value, 2)}×`, limit: `≤ ${fixed(c.limit, 1)}×` };
    case 'stale_data':
      return { name: 'data age', value: seconds(c.value), limit: `≤ ${seconds(c.limit)}` };
    case 'concentration':
      return { name: 'correlation with open positions', value: fixed(c.value, 2), limit: `≤ ${fixed(c.limit, 2)}` };
    case 'buying_power':
      return { name: 'buying power', value: money(c.value), limit: `≤ ${money(c.limit)}` };
    case 'shortable':
      return { name: 'short sale', value: `sell ${quantity(c.value)}`, limit: `held ${quantity(c.limit)}` };
    default:
      // a rule this screen does not know yet still shows its figures
      return { name: c.rule.replace(/_/g, ' '), value: quantity(c.value), limit: quantity(c.limit) };
  }
}
