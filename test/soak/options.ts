// Command line of `npm run test:soak`. Pure: a bad value comes back as a message naming the
// flag, what was given and what is expected.
import { DEFAULT_SIM_SYMBOLS } from '../../engine/sim/instruments';

export interface SoakOptions {
  /** stop once the engine has taken in at least this many bars */
  bars: number;
  /** simulated symbols in all (the simulator's own 7 plus synthetic ones) */
  symbols: number;
  /** share of `bars` treated as warm-up: memory growth is measured from its end */
  warmup: number;
  /** give up (and fail) when the bars are not reached within this time */
  maxMinutes: number;
  /** where the host's temporary data directory is made (default: the OS temp dir, a real disk) */
  dataRoot: string | null;
  /** seconds between two input-latency probes in the page */
  probeEverySec: number;
  /** merge the figures into bench-results.json (default on) */
  write: boolean;
  help: boolean;
}

export const SOAK_USAGE = `usage: npm run test:soak -- [--bars N] [--symbols N] [--warmup F] [--max-minutes M]
                          [--data-root DIR] [--probe-every S] [--no-write]
  --bars 2000000    bars the engine must take in (all symbols together)
  --symbols 50      simulated symbols (at least ${DEFAULT_SIM_SYMBOLS.length}: the simulator's own, plus synthetic SIM001..)
  --warmup 0.1      share of the bars before memory growth is measured
  --max-minutes 30  fail if the bars are not reached by then
  --data-root DIR   where the temporary data directory goes (default the OS temp dir; /dev/shm
                    takes the disk's fsync latency out of the event-loop figures)
  --probe-every 2   seconds between two input-latency probes in the page (two clicks each)
  --no-write        do not merge the figures into bench-results.json
  short run: npm run test:soak -- --bars 100000 --symbols 10
  diagnosis: SOAK_HOST_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" (or --trace-gc) passes Node flags to
             the host; SOAK_HOST_LOG=FILE keeps the host's last megabyte of output`;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const VALUE_FLAGS = new Set(['bars', 'symbols', 'warmup', 'max-minutes', 'data-root', 'probe-every']);
const SWITCHES = new Set(['no-write', 'help']);

function wholeNumber(flag: string, raw: string, min: number, max: number): Parsed<number> {
  const n = Number(raw.replace(/_/g, ''));
  if (!/^[\d_]+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    return { ok: false, message: `--${flag} must be a whole number from ${min} to ${max}, got "${raw}"` };
  }
  return { ok: true, value: n };
}

function decimal(flag: string, raw: string, min: number, max: number, minInclusive = true): Parsed<number> {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (minInclusive ? n < min : n <= min) || n > max) {
    return { ok: false, message: `--${flag} must be a number ${minInclusive ? 'from' : 'above'} ${min} ${minInclusive ? 'to' : 'and at most'} ${max}, got "${raw}"` };
  }
  return { ok: true, value: n };
}

export function parseSoakArgs(argv: readonly string[]): Parsed<SoakOptions> {
  const raw = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) return { ok: false, message: `unexpected argument "${arg}"` };
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (SWITCHES.has(name)) {
      if (eq !== -1) return { ok: false, message: `--${name} takes no value` };
      raw.set(name, true);
      continue;
    }
    if (!VALUE_FLAGS.has(name)) return { ok: false, message: `unknown option --${name}` };
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || value.startsWith('--')) return { ok: false, message: `--${name} needs a value` };
    raw.set(name, value);
  }
  const get = (k: string): string | undefined => {
    const v = raw.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const bars = wholeNumber('bars', get('bars') ?? '2000000', 1000, 1_000_000_000);
  if (!bars.ok) return bars;
  const symbols = wholeNumber('symbols', get('symbols') ?? '50', DEFAULT_SIM_SYMBOLS.length, 200);
  if (!symbols.ok) return symbols;
  const warmup = decimal('warmup', get('warmup') ?? '0.1', 0, 0.9);
  if (!warmup.ok) return warmup;
  const maxMinutes = decimal('max-minutes', get('max-minutes') ?? '30', 0, 24 * 60, false);
  if (!maxMinutes.ok) return maxMinutes;
  const probe = decimal('probe-every', get('probe-every') ?? '2', 1, 600);
  if (!probe.ok) return probe;
  return {
    ok: true,
    value: {
      bars: bars.value,
      symbols: symbols.value,
      warmup: warmup.value,
      maxMinutes: maxMinutes.value,
      dataRoot: get('data-root') ?? null,
      probeEverySec: probe.value,
      write: raw.get('no-write') !== true,
      help: raw.get('help') === true,
    },
  };
}
