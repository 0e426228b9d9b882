// Merges the soak's figures into bench-results.json: entries of bench 'soak' are replaced,
// every other entry (written by `npm run bench`) is kept as it is.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Figure } from '../bench/lib';

export type BenchEntry = Figure & { bench: string };

interface ResultsFile {
  at?: string;
  node?: string;
  figures: BenchEntry[];
  [key: string]: unknown;
}

export function mergeSoakFigures(existing: unknown, figures: readonly Figure[]): ResultsFile {
  const base: ResultsFile =
    typeof existing === 'object' && existing !== null && Array.isArray((existing as ResultsFile).figures)
      ? (existing as ResultsFile)
      : { at: new Date().toISOString(), node: process.version, figures: [] };
  const kept = base.figures.filter((f) => f.bench !== 'soak');
  return { ...base, soakAt: new Date().toISOString(), figures: [...kept, ...figures.map((f) => ({ ...f, bench: 'soak' }))] };
}

export function writeSoakFigures(file: string, figures: readonly Figure[]): void {
  let existing: unknown = null;
  if (existsSync(file)) {
    try {
      existing = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file} is not valid JSON (${(e as Error).message}); fix or delete it, then run the soak again`);
    }
  }
  // JSON has no NaN: a figure that could not be measured is written as null
  writeFileSync(file, JSON.stringify(mergeSoakFigures(existing, figures), (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
}
