// The live RiskEngine gating backtest entries: what live trading would refuse, the backtest
// refuses too, with the rule's reason.
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../engine/backtest/backtester';
import { riskEngineGate, type RiskDenial } from '../../../engine/backtest/riskGate';
import { DEFAULT_RISK } from '../../../engine/defaults';
import type { Instrument } from '../../../engine/domain/types';
import { SmaCross } from '../../../engine/strategies/smaCross';
import { syntheticColumns } from './synthetic';

const stock: Instrument = { symbol: 'TEST', name: 'Test Inc', assetClass: 'us_equity', priceIncrement: 0.01, qtyIncrement: 1, minNotional: 1, fractionable: false, shortable: false };
const settings = { ...DEFAULT_RISK, maxPositionNotionalPct: 0.5, maxOpenPositions: 5 };
const cols = syntheticColumns(2000, 9);

describe('riskEngineGate', () => {
  it('all-in entries break the 50% notional cap and are all denied with the rule named', () => {
    const denials: RiskDenial[] = [];
    const r = runBacktest(cols, new SmaCross({ fast: 10, slow: 30 }), { cash: 10_000, riskGate: riskEngineGate(settings, stock, (d) => denials.push(d)) });
    expect(r.trades).toHaveLength(0);
    expect(r.skippedEntries).toBeGreaterThan(5);
    expect(denials[0]!.reason).toMatch(/^max_position_notional: position would be .* above the cap of 50% of equity/);
  });

  it('40% fixed-fraction entries pass; shorts on a non-shortable stock are refused', () => {
    const denials: RiskDenial[] = [];
    const r = runBacktest(cols, new SmaCross({ fast: 10, slow: 30 }), {
      cash: 10_000,
      allowShort: true,
      sizing: { kind: 'fixed-fraction', fraction: 0.4 },
      riskGate: riskEngineGate(settings, stock, (d) => denials.push(d)),
    });
    expect(r.trades.length).toBeGreaterThan(5);
    expect(r.trades.every((t) => t.side === 'long')).toBe(true);
    expect(denials.length).toBeGreaterThan(5);
    expect(denials.every((d) => /^shortable: TEST cannot be sold short/.test(d.reason))).toBe(true);
  });
});
