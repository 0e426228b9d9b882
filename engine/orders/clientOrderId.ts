// Deterministic client_order_id: the same intent always yields the same id, so a retry or a
// restart finds the order at the broker by this id instead of sending it again.
// Alpaca allows up to 128 characters; we keep a readable prefix and a hash of the full key.
import { hashString } from '../util/rng';

export function clientOrderIdFor(intentKey: string): string {
  const readable = intentKey.replace(/[^A-Za-z0-9-]/g, '-').replace(/-+/g, '-').slice(0, 40);
  // two independent 32-bit hashes: collisions between distinct intents are negligible
  const h1 = hashString(intentKey).toString(36);
  const h2 = hashString(`${intentKey.length}:${intentKey}`).toString(36);
  return `ts-${readable}-${h1}${h2}`;
}

export function strategyIntentKey(strategyId: string, symbol: string, side: string, barTime: number): string {
  return `${strategyId}:${symbol}:${side}:${barTime}`;
}
