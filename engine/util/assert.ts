/** Exhaustiveness guard for switches over closed unions. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}

/**
 * A broken invariant (NaN price, negative quantity): the engine throws and the caller halts trading.
 * Expected failures never use this; they are values.
 */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new InvariantError(message);
}

export function isFinitePositive(x: number): boolean {
  return Number.isFinite(x) && x > 0;
}
