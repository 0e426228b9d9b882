// `npm run test:crash -- [--broker sim|alpaca|both] [--seed N] [--points N] [--fresh-every K] [--point I] [--json FILE] [--no-flatten]`
// The full crash-consistency run (200 points per broker by default); see harness.ts for what is
// checked and how to replay one point. Exits 1 when any counter is not zero.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runCrashHarness, summary, type CrashRunResult } from './harness';

function usage(msg: string): never {
  console.error(`${msg}\nusage: npm run test:crash -- [--broker sim|alpaca|both] [--seed N] [--points N] [--fresh-every K] [--point I] [--json FILE] [--no-flatten]`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    broker: { type: 'string', default: 'both' },
    seed: { type: 'string', default: '1' },
    points: { type: 'string', default: '200' },
    'fresh-every': { type: 'string', default: '25' },
    point: { type: 'string' },
    json: { type: 'string' },
    'no-flatten': { type: 'boolean' },
  },
});
const whole = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a whole number >= 0, got ${v}`);
  return n;
};
const brokerArg = values.broker;
const brokers: ('sim' | 'alpaca')[] = brokerArg === 'both' ? ['sim', 'alpaca'] : brokerArg === 'sim' || brokerArg === 'alpaca' ? [brokerArg] : usage(`--broker must be sim, alpaca or both, got ${brokerArg}`);
const seed = whole('seed', values.seed) as number;
const onlyPoint = whole('point', values.point);
const points = Math.max(whole('points', values.points) as number, (onlyPoint ?? 0) + 1);
const freshEvery = whole('fresh-every', values['fresh-every']) as number;

const results: CrashRunResult[] = [];
for (const broker of brokers) {
  console.log(`crash harness: ${broker}, seed ${seed}, ${onlyPoint !== undefined ? `replaying up to point ${onlyPoint}` : `${points} points`}, fresh data directory every ${freshEvery}`);
  const r = await runCrashHarness({ broker, seed, points, freshEvery, onlyPoint, keepFailedDirs: true, ...(values['no-flatten'] ? { flatten: false } : {}), log: (l) => console.log(l) });
  results.push(r);
  console.log(summary(r));
}
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
const bad = results.some((r) => r.failures.length > 0);
if (bad) {
  console.log('\nfailures (replay one with --broker B --seed S --point P):');
  for (const r of results) for (const f of r.failures.slice(0, 30)) console.log(`  ${f.broker} seed ${f.seed} point ${f.point} ${f.kind} [${f.counter}] ${f.what}`);
}
process.exit(bad ? 1 : 0);
