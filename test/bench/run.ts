// `npm run bench`: runs every test/bench/*.bench.ts (or those named on the command line),
// prints one table and writes every figure to bench-results.json at the project root.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Bench, Figure } from './lib';

const benchDir = resolve(import.meta.dirname);
const root = resolve(benchDir, '..', '..');
const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const figures: (Figure & { bench: string })[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(benchDir, file)).href)) as { default: (b: Bench) => Promise<void> };
  const started = Date.now();
  process.stdout.write(`running ${file} ...\n`);
  try {
    await mod.default({ record: (f) => figures.push({ ...f, bench: file }) });
  } catch (e) {
    figures.push({ bench: file, name: `${file} failed`, value: NaN, unit: '', target: 'runs', met: false, note: String(e) });
    console.error(e);
  }
  process.stdout.write(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const rows = figures.map((f) => [f.met ? 'ok ' : 'MISS', f.name, `${Number.isFinite(f.value) ? +f.value.toPrecision(4) : f.value} ${f.unit}`, f.target]);
const widths = [4, ...[1, 2, 3].map((i) => Math.max(...rows.map((r) => String(r[i]).length), 6))];
console.log('\n' + rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join('  ')).join('\n'));
// Figures of benches not run this time (a subset was named, or the soak's, which `npm run
// test:soak` writes) are kept from the previous file, so one file holds the latest of each.
const resultsPath = join(root, 'bench-results.json');
const ran = new Set(files);
let kept: (Figure & { bench: string })[] = [];
if (existsSync(resultsPath)) {
  try {
    const previous = JSON.parse(readFileSync(resultsPath, 'utf8')) as { figures?: (Figure & { bench: string })[] };
    kept = (previous.figures ?? []).filter((f) => typeof f.bench === 'string' && !ran.has(f.bench));
  } catch {
    console.error('bench-results.json could not be read; it is replaced by this run only');
  }
}
writeFileSync(resultsPath, JSON.stringify({ at: new Date().toISOString(), node: process.version, figures: [...kept, ...figures] }, null, 2) + '\n');
if (kept.length > 0) console.log(`kept ${kept.length} figures of earlier runs of other benches (${[...new Set(kept.map((f) => f.bench))].join(', ')})`);
console.log(`\n${figures.filter((f) => f.met).length}/${figures.length} targets met; written to bench-results.json`);
if (figures.some((f) => !f.met)) process.exitCode = 1;
