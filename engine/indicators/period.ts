// Shared argument checks for the streaming indicators: a bad period is a programming or
// configuration error, so it throws with a message that says what was wrong and what to do.

export function checkPeriod(indicator: string, name: string, period: number, min = 1): number {
  if (!Number.isInteger(period) || period < min || period > 100_000) {
    throw new RangeError(
      `${indicator}: ${name} must be a whole number between ${min} and 100000, got ${String(period)}`,
    );
  }
  return period;
}

export function checkFinite(indicator: string, name: string, x: number): number {
  if (!Number.isFinite(x)) {
    throw new RangeError(`${indicator}: ${name} must be a finite number, got ${String(x)}; clean the input data first`);
  }
  return x;
}
