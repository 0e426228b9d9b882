// Shared benchmark plumbing: each *.bench.ts module exports `default async (b: Bench) => void`
// and records figures; run.ts prints the table and writes bench-results.json at the root.
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** human-readable target, e.g. "< 5 ms" */
  target: string;
  met: boolean;
  /** what was measured, how many samples, etc. */
  note?: string;
}

export interface Bench {
  record(f: Figure): void;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

export function summarize(samples: number[]): { median: number; p99: number; max: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, n: s.length };
}
