// Streaming indicators: one code path for live bars and backtests.
export { Sma } from './sma';
export { Ema } from './ema';
export { Rsi } from './rsi';
export { Macd, type MacdValue } from './macd';
export { Bollinger, type BollingerValue } from './bollinger';
export { Atr } from './atr';
