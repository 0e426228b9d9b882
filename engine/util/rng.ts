// Counter-based pseudo-random numbers: the value for (seed, stream, index) is a pure function,
// so the simulator can resume a price path after a restart without replaying it.

/** 32-bit mix (a variant of the murmur3 finalizer). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** Uniform in [0, 1) for (seed, stream, index, salt). */
export function uniformAt(seed: number, stream: number, index: number, salt = 0): number {
  let h = mix32((seed ^ Math.imul(stream, 0x9e3779b1)) >>> 0);
  h = mix32((h ^ Math.imul(index >>> 0, 0x85ebca77)) >>> 0);
  h = mix32((h ^ Math.imul(Math.floor(index / 4294967296) + salt * 0x27d4eb2f, 0xc2b2ae3d)) >>> 0);
  return h / 4294967296;
}

/** Standard normal for (seed, stream, index, salt), by Box-Muller over two counter draws. */
export function normalAt(seed: number, stream: number, index: number, salt = 0): number {
  const u1 = Math.max(uniformAt(seed, stream, index, salt * 2 + 1), 1e-12);
  const u2 = uniformAt(seed, stream, index, salt * 2 + 2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
