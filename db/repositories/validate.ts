// Guards at the store's edge: a NaN or an unknown enum value must never reach the journal.
// Each failure names the field and the value so the caller can find the bug.
import { StoreInputError } from '../errors';

export function finite(what: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new StoreInputError(`${what} must be a finite number, got ${String(v)}`);
  return v;
}

export function finiteOrNull(what: string, v: number | null): number | null {
  return v === null ? null : finite(what, v);
}

export function positive(what: string, v: number): number {
  if (finite(what, v) <= 0) throw new StoreInputError(`${what} must be greater than zero, got ${v}`);
  return v;
}

export function nonNegative(what: string, v: number): number {
  if (finite(what, v) < 0) throw new StoreInputError(`${what} must not be negative, got ${v}`);
  return v;
}

/** Times are integer milliseconds since the epoch. */
export function time(what: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new StoreInputError(`${what} must be an integer time in ms, got ${String(v)}`);
  return v;
}

export function text(what: string, v: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new StoreInputError(`${what} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

export function oneOf<T extends string>(what: string, allowed: readonly T[], v: T): T {
  if (!allowed.includes(v)) throw new StoreInputError(`${what} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v;
}

export function limitArg(what: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new StoreInputError(`${what} must be a non-negative integer, got ${String(v)}`);
  return v;
}

export function toJson(what: string, v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v ?? null);
  } catch (e) {
    throw new StoreInputError(`${what} cannot be stored as JSON: ${(e as Error).message}`);
  }
  if (s === undefined) throw new StoreInputError(`${what} cannot be stored as JSON (got ${typeof v})`);
  return s;
}

/** Parse point: JSON written by this store, read back as its declared type. */
export function fromJson<T>(s: string): T {
  return JSON.parse(s) as T;
}
