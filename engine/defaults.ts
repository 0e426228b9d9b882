import type { RiskSettings, Settings } from './domain/types';

/** The hard cap on risk per trade: no setting may go above it. */
export const MAX_RISK_PER_TRADE = 0.02;

export const DEFAULT_RISK: RiskSettings = {
  riskPerTradePct: 0.01,
  stopAtrMultiple: 2,
  targetAtrMultiple: 3,
  maxPositionNotionalPct: 0.2,
  maxOpenPositions: 5,
  maxGrossExposurePct: 1,
  dailyLossAlertPct: 0.02,
  dailyLossReducePct: 0.05,
  drawdownAlertPct: 0.1,
  drawdownHaltPct: 0.2,
  volatilityBreakerMultiple: 3,
  staleDataBars: 2,
  maxCorrelation: 0.8,
  liveExposureCapPct: 0.05,
};

export function defaultSettings(symbols: string[]): Settings {
  return {
    risk: { ...DEFAULT_RISK },
    readiness: { minSharpe: 0.5, maxDrawdown: 0.2, minWinRate: 0.4, maxWinRate: 0.6, minTrades: 30, minPositiveWindowShare: 2 / 3, minPaperDays: 20, maxPaperDeviationPp: 5 },
    strategy: { id: 'sma-cross', fast: 10, slow: 20, symbols },
    approvalTimeoutSec: 60,
    flattenOnStop: false,
    deadMan: { enabled: true, dataStaleSec: 30, brokerLostSec: 30 },
  };
}

/**
 * Settings saved by an earlier version may lack newer fields or carry retired ones: keep what
 * is still meaningful, fill the rest from the defaults.
 */
export function upgradeSettings(saved: unknown, symbols: string[]): Settings {
  const d = defaultSettings(symbols);
  if (typeof saved !== 'object' || saved === null) return d;
  const s = saved as Partial<Record<keyof Settings, unknown>>;
  const pick = <T extends object>(def: T, v: unknown): T => {
    const out = { ...def };
    if (typeof v !== 'object' || v === null) return out;
    for (const k of Object.keys(def) as (keyof T)[]) {
      const x = (v as Record<string, unknown>)[k as string];
      if (x !== undefined && typeof x === typeof def[k]) out[k] = x as T[keyof T];
    }
    return out;
  };
  return {
    risk: pick(d.risk, s.risk),
    readiness: pick(d.readiness, s.readiness),
    strategy: { ...pick(d.strategy, s.strategy), id: 'sma-cross', symbols: Array.isArray((s.strategy as { symbols?: unknown } | undefined)?.symbols) ? ((s.strategy as { symbols: string[] }).symbols) : d.strategy.symbols },
    approvalTimeoutSec: typeof s.approvalTimeoutSec === 'number' ? s.approvalTimeoutSec : d.approvalTimeoutSec,
    flattenOnStop: typeof s.flattenOnStop === 'boolean' ? s.flattenOnStop : d.flattenOnStop,
    deadMan: pick(d.deadMan, s.deadMan),
  };
}
