import type { Settings } from './domain/types';

export function defaultSettings(symbols: string[]): Settings {
  return {
    risk: { positionFraction: 0.1, maxPositionNotionalPct: 0.2, maxOpenPositions: 5 },
    strategy: { id: 'sma-cross', fast: 10, slow: 20, symbols },
    approvalTimeoutSec: 60,
    flattenOnStop: false,
  };
}
