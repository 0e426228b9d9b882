// Backtest configuration: defaults and validation. Every refusal says which field, what
// was given and what is allowed.
import type { BacktestConfig, CommissionModel, EntryOrderModel, SizingModel, SlippageModel } from './types';
import { assertNever } from '../util/assert';

/** backtesting.py sizes with this fraction of the cash (it displays it as .9999) */
export const ALL_IN_FRACTION = 1 - 2 ** -52;

export interface ResolvedConfig {
  cash: number;
  commission: Required<CommissionModel>;
  slippage: SlippageModel;
  allowShort: boolean;
  sizing: SizingModel;
  entry: EntryOrderModel;
  stopLossPct: number;
  takeProfitPct: number;
  qtyStep: number;
  closeAtEnd: 'last-open' | 'last-close' | 'none';
  onRepeatSignal: 'ignore' | 'reopen';
  riskGate: BacktestConfig['riskGate'] | null;
  /** ATR period needed by slippage or sizing, 0 when no ATR is needed */
  atrPeriod: number;
}

export class BacktestConfigError extends RangeError {
  override readonly name = 'BacktestConfigError';
}

function check(ok: boolean, field: string, value: unknown, allowed: string): void {
  if (!ok) throw new BacktestConfigError(`backtest ${field} must be ${allowed}, got ${JSON.stringify(value) ?? String(value)}`);
}

const nonNegative = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0;
const fraction = (x: unknown): boolean => typeof x === 'number' && x > 0 && x <= 1;
const wholeBars = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 1;

export function resolveConfig(c: BacktestConfig): ResolvedConfig {
  check(typeof c.cash === 'number' && Number.isFinite(c.cash) && c.cash > 0, 'cash', c.cash, 'a positive amount');
  const commission = { perShare: c.commission?.perShare ?? 0, pct: c.commission?.pct ?? 0, fixed: c.commission?.fixed ?? 0 };
  check(nonNegative(commission.perShare), 'commission.perShare', commission.perShare, 'a non-negative amount per unit');
  check(nonNegative(commission.pct) && commission.pct < 0.1, 'commission.pct', commission.pct, 'a fraction of notional between 0 and 0.1 (0.002 = 0.2%)');
  check(nonNegative(commission.fixed), 'commission.fixed', commission.fixed, 'a non-negative amount per fill');

  const slippage = c.slippage ?? { kind: 'none' };
  let atrPeriod = 0;
  if (slippage.kind === 'bps') check(nonNegative(slippage.bps) && slippage.bps < 1000, 'slippage.bps', slippage.bps, 'between 0 and 1000 basis points');
  if (slippage.kind === 'atr') {
    check(nonNegative(slippage.fraction) && slippage.fraction <= 5, 'slippage.fraction', slippage.fraction, 'an ATR fraction between 0 and 5');
    atrPeriod = slippage.period ?? 14;
  }

  const sizing = c.sizing ?? { kind: 'all-in' };
  switch (sizing.kind) {
    case 'all-in':
      check(sizing.fraction === undefined || fraction(sizing.fraction), 'sizing.fraction', sizing.fraction, 'a fraction in (0, 1]');
      break;
    case 'fixed-fraction':
      check(fraction(sizing.fraction), 'sizing.fraction', sizing.fraction, 'a fraction of equity in (0, 1]');
      break;
    case 'risk':
      check(fraction(sizing.riskFraction) && sizing.riskFraction <= 0.2, 'sizing.riskFraction', sizing.riskFraction, 'a fraction of equity in (0, 0.2]');
      check(typeof sizing.stopAtr === 'number' && sizing.stopAtr > 0 && sizing.stopAtr <= 20, 'sizing.stopAtr', sizing.stopAtr, 'an ATR multiple in (0, 20]');
      if (atrPeriod !== 0 && sizing.atrPeriod !== undefined && sizing.atrPeriod !== atrPeriod) {
        throw new BacktestConfigError('backtest slippage.period and sizing.atrPeriod must agree: one ATR serves both');
      }
      atrPeriod = atrPeriod || (sizing.atrPeriod ?? 14);
      break;
    default:
      return assertNever(sizing, 'sizing model');
  }
  check(atrPeriod === 0 || wholeBars(atrPeriod), 'ATR period', atrPeriod, 'a whole number of bars >= 1');

  const entry = c.entry ?? { kind: 'market' };
  if (entry.kind !== 'market') {
    check(nonNegative(entry.offsetBps) && entry.offsetBps < 5000, 'entry.offsetBps', entry.offsetBps, 'between 0 and 5000 basis points');
    check(wholeBars(entry.validBars), 'entry.validBars', entry.validBars, 'a whole number of bars >= 1');
  }
  const stopLossPct = c.stopLossPct ?? 0;
  const takeProfitPct = c.takeProfitPct ?? 0;
  check(nonNegative(stopLossPct) && stopLossPct < 1, 'stopLossPct', stopLossPct, 'a fraction of the entry price in [0, 1) (0 = none)');
  check(nonNegative(takeProfitPct) && takeProfitPct <= 10, 'takeProfitPct', takeProfitPct, 'a fraction of the entry price in [0, 10] (0 = none)');
  const qtyStep = c.qtyStep ?? 1;
  check(typeof qtyStep === 'number' && qtyStep > 0 && qtyStep <= 1e6, 'qtyStep', qtyStep, 'a positive quantity step (1 = whole units)');
  return {
    cash: c.cash,
    commission,
    slippage,
    allowShort: c.allowShort ?? false,
    sizing,
    entry,
    stopLossPct,
    takeProfitPct,
    qtyStep,
    closeAtEnd: c.closeAtEnd ?? 'last-open',
    onRepeatSignal: c.onRepeatSignal ?? 'ignore',
    riskGate: c.riskGate ?? null,
    atrPeriod,
  };
}
