// The seeded schedule of kill points. Each point's plan depends only on (seed, index), so a
// point can be described, and its data-directory block replayed, from those two numbers.
import { mulberry32 } from '../emulator/market';

/** Where the child dies. Named points are hooks in the child (test/crash/child.ts); `random` is a SIGKILL from the parent after a delay. */
export const ORDER_POINTS = ['before_journal', 'after_journal', 'after_send', 'on_fill', 'after_fill_commit', 'on_cancel'] as const;
export const STOP_POINTS = ['stop_before_halt', 'stop_mid_cancel', 'stop_after_cancel', 'stop_flatten'] as const;
export const REARM_POINTS = ['rearm_before_commit', 'rearm_after_commit'] as const;
export type PointKind = 'random' | (typeof ORDER_POINTS)[number] | (typeof STOP_POINTS)[number] | (typeof REARM_POINTS)[number];
export const POINT_KINDS: readonly PointKind[] = ['random', ...ORDER_POINTS, ...STOP_POINTS, ...REARM_POINTS];

/** A deliberately broken child, to prove the checks can fail (never used in a normal run). */
export type BrokenMode = 'resend' | 'drop_fill';

export interface PointPlan {
  index: number;
  kind: PointKind;
  /** die at the Nth occurrence of the named point in this run */
  n: number;
  /** random: the parent kills this long after telling the child to trade */
  delayMs: number;
  /** engage the emergency stop after this many order submissions (null: never in this run) */
  engageAfter: number | null;
  flatten: boolean;
  /** after an emergency stop (or when starting halted), stay halted instead of re-arming */
  stayHalted: boolean;
  /** seeds the child's order stream */
  orderSeed: number;
}

/** the emulator's mulberry32: small, fast, good enough for a test schedule */
export const rng = mulberry32;

function mix(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * @param allowFlatten false: no stop closes positions (`--no-flatten`); `stop_flatten` becomes
 *   `stop_after_cancel`
 */
export function planPoint(seed: number, index: number, only?: PointKind, allowFlatten = true): PointPlan {
  const r = rng(mix(seed, index));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const u = r();
  let kind: PointKind = u < 0.35 ? 'random' : u < 0.75 ? pick(ORDER_POINTS) : u < 0.9 ? pick(STOP_POINTS) : pick(REARM_POINTS);
  if (only) kind = only;
  if (!allowFlatten && kind === 'stop_flatten') kind = 'stop_after_cancel';
  const stopOrRearm = (STOP_POINTS as readonly string[]).includes(kind) || (REARM_POINTS as readonly string[]).includes(kind);
  const engage = stopOrRearm || r() < 0.25;
  return {
    index,
    kind,
    n: stopOrRearm ? 1 : 1 + Math.floor(r() * 3),
    delayMs: 80 + Math.floor(r() * 1200),
    engageAfter: engage ? 1 + Math.floor(r() * 6) : null,
    flatten: allowFlatten && (kind === 'stop_flatten' || r() < 0.4),
    stayHalted: kind === 'random' && r() < 0.2,
    orderSeed: mix(seed ^ 0x5bd1e995, index),
  };
}
