// Command-line parsing for the three hosts (Electron main, headless, CLI). Pure functions:
// every bad value comes back as a message that names the flag, what was given and what is
// expected, so a host can print it and exit 2 instead of crashing.
import { isAbsolute, resolve } from 'node:path';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export type BrokerChoice = 'sim' | 'alpaca';

/** Options shared by both hosts that start the engine. */
export interface EngineArgs {
  /** absolute path; null means the host's default */
  dataDir: string | null;
  broker: BrokerChoice;
  simSeed: number | undefined;
  /** bars per second per symbol, or 'max' (as fast as the engine takes them: soak tests) */
  simSpeed: number | 'max' | undefined;
}

export interface HeadlessArgs extends EngineArgs {
  host: string;
  port: number;
  allowRemote: boolean;
  /** null: the host makes a random one */
  token: string | null;
  help: boolean;
  /** synthetic symbols SIM001.. added to the simulator's (load and soak tests); undefined: none */
  simExtraSymbols: number | undefined;
}

/** the runtime's own bound (electron/runtime.ts) */
export const MAX_SIM_SPEED = 1000;
/** synthetic symbols beyond this are a typo (the strategy takes at most 200 symbols anyway) */
export const MAX_SIM_EXTRA_SYMBOLS = 500;

type FlagKind = 'value' | 'switch';
type Spec = Record<string, FlagKind>;
type Raw = Map<string, string | true>;

const ENGINE_FLAGS: Spec = {
  'data-dir': 'value',
  broker: 'value',
  'sim-seed': 'value',
  'sim-speed': 'value',
};

const HEADLESS_FLAGS: Spec = {
  ...ENGINE_FLAGS,
  host: 'value',
  port: 'value',
  token: 'value',
  'sim-extra-symbols': 'value',
  'allow-remote': 'switch',
  help: 'switch',
};

/**
 * Reads `--flag value`, `--flag=value` and `--switch`. With `strict`, anything unknown is an
 * error; without it (Electron, whose argv also carries Chromium's switches and the app path)
 * unknown arguments are skipped.
 */
function tokenize(argv: readonly string[], spec: Spec, strict: boolean): Parsed<Raw> {
  const raw: Raw = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      if (strict) return { ok: false, message: `unexpected argument "${arg}"` };
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) {
      if (strict) return { ok: false, message: `unknown option --${name}` };
      continue;
    }
    if (kind === 'switch') {
      if (eq !== -1) return { ok: false, message: `--${name} takes no value` };
      raw.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      }
    }
    if (value === undefined || value === '') return { ok: false, message: `--${name} needs a value` };
    raw.set(name, value);
  }
  return { ok: true, value: raw };
}

function str(raw: Raw, name: string): string | undefined {
  const v = raw.get(name);
  return typeof v === 'string' ? v : undefined;
}

function parseEngineArgs(raw: Raw, cwd: string): Parsed<EngineArgs> {
  const dataDirRaw = str(raw, 'data-dir');
  const dataDir = dataDirRaw === undefined ? null : isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);

  const brokerRaw = str(raw, 'broker') ?? 'sim';
  if (brokerRaw !== 'sim' && brokerRaw !== 'alpaca') {
    return { ok: false, message: `--broker must be "sim" or "alpaca", got "${brokerRaw}"` };
  }

  let simSeed: number | undefined;
  const seedRaw = str(raw, 'sim-seed');
  if (seedRaw !== undefined) {
    const n = Number(seedRaw);
    if (!/^\d+$/.test(seedRaw) || !Number.isSafeInteger(n) || n > 0xffff_ffff) {
      return { ok: false, message: `--sim-seed must be a whole number from 0 to 4294967295, got "${seedRaw}"` };
    }
    simSeed = n;
  }

  let simSpeed: number | 'max' | undefined;
  const speedRaw = str(raw, 'sim-speed');
  if (speedRaw === 'max') {
    simSpeed = 'max';
  } else if (speedRaw !== undefined) {
    const n = Number(speedRaw);
    if (!Number.isFinite(n) || n <= 0 || n > MAX_SIM_SPEED) {
      return {
        ok: false,
        message: `--sim-speed must be simulated bars per second, greater than 0 and at most ${MAX_SIM_SPEED}, or "max" for as fast as the engine takes them, got "${speedRaw}"`,
      };
    }
    simSpeed = n;
  }
  return { ok: true, value: { dataDir, broker: brokerRaw, simSeed, simSpeed } };
}

/** Electron main: lenient about arguments it does not know (Chromium switches, the app path). */
export function parseMainArgs(argv: readonly string[], cwd: string = process.cwd()): Parsed<EngineArgs> {
  const raw = tokenize(argv, ENGINE_FLAGS, false);
  if (!raw.ok) return raw;
  return parseEngineArgs(raw.value, cwd);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

export const MAX_TOKEN_LENGTH = 512;

export function parseHeadlessArgs(argv: readonly string[], cwd: string = process.cwd()): Parsed<HeadlessArgs> {
  const raw = tokenize(argv, HEADLESS_FLAGS, true);
  if (!raw.ok) return raw;
  const engine = parseEngineArgs(raw.value, cwd);
  if (!engine.ok) return engine;

  const portRaw = str(raw.value, 'port') ?? '0';
  const port = Number(portRaw);
  if (!/^\d+$/.test(portRaw) || port > 65_535) {
    return { ok: false, message: `--port must be a whole number from 0 to 65535 (0 picks a free port), got "${portRaw}"` };
  }

  const allowRemote = raw.value.get('allow-remote') === true;
  const host = str(raw.value, 'host') ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !allowRemote) {
    return {
      ok: false,
      message:
        `refusing to listen on "${host}": the headless host serves your trading engine and listens on ` +
        `127.0.0.1 only. Pass --allow-remote as well if you really mean to expose it on ${host}.`,
    };
  }

  let simExtraSymbols: number | undefined;
  const extraRaw = str(raw.value, 'sim-extra-symbols');
  if (extraRaw !== undefined) {
    const n = Number(extraRaw);
    if (!/^\d+$/.test(extraRaw) || n > MAX_SIM_EXTRA_SYMBOLS) {
      return { ok: false, message: `--sim-extra-symbols must be a whole number from 0 to ${MAX_SIM_EXTRA_SYMBOLS} (synthetic symbols SIM001.. added to the simulator), got "${extraRaw}"` };
    }
    if (engine.value.broker !== 'sim') return { ok: false, message: '--sim-extra-symbols adds simulated symbols: it works with --broker sim only' };
    simExtraSymbols = n;
  }

  const token = str(raw.value, 'token') ?? null;
  if (token !== null && (token.length > MAX_TOKEN_LENGTH || /[\s\x00-\x1f\x7f]/.test(token))) {
    return {
      ok: false,
      message: `--token must be at most ${MAX_TOKEN_LENGTH} characters without spaces or control characters`,
    };
  }
  return {
    ok: true,
    value: { ...engine.value, host, port, allowRemote, token, help: raw.value.get('help') === true, simExtraSymbols },
  };
}

export const HEADLESS_USAGE = `usage: npm run headless -- [--port P] [--data-dir DIR] [--token T]
                              [--sim-seed N] [--sim-speed X|max] [--sim-extra-symbols N]
                              [--broker sim|alpaca] [--host 127.0.0.1] [--allow-remote]
  --port 0 (default) picks a free port; without --token a random one is made.
  Data is kept in ~/.trading-supervisor unless --data-dir is given.
  --sim-speed is simulated bars per second per symbol (default 2); "max" runs the simulator as fast
  as the engine takes the bars, and --sim-extra-symbols N adds N synthetic symbols (load tests).
  --broker alpaca trades on Alpaca: keys from APCA_API_KEY_ID and APCA_API_SECRET_KEY, or from
  DATA_DIR/alpaca-keys.json (mode 600; ALPACA_KEYS_FILE names another); ALPACA_PAPER=true (default),
  ALPACA_SYMBOLS=AAPL,BTC/USD; ALPACA_API_BASE_URL, ALPACA_DATA_BASE_URL, ALPACA_STREAM_URL and
  ALPACA_DATA_STREAM_URL point it at another server (npm run emulator prints them).`;

export type CliCommand =
  | { command: 'status'; dataDir: string; json: boolean }
  /** flatten undefined: the user's "flatten on stop" setting decides, as for the on-screen button */
  | { command: 'stop'; dataDir: string; flatten: boolean | undefined; json: boolean }
  | { command: 'backtest'; argv: string[] }
  | { command: 'help' };

export const CLI_USAGE = `usage:
  npm run cli -- status --data-dir DIR [--json]   print the persisted state (read-only; works while the app runs)
  npm run cli -- stop --data-dir DIR [--flatten | --no-flatten] [--json]
                                                  emergency stop: reaches the app or headless host running on DIR,
                                                  or, if none runs, latches DIR halted and cancels at the broker itself;
                                                  --flatten also closes every position, --no-flatten does not
                                                  (neither: the "flatten on stop" setting decides)
  npm run cli -- backtest ...                     run a backtest (see: npm run cli -- backtest --help)`;

export function parseCliArgs(argv: readonly string[], cwd: string = process.cwd()): Parsed<CliCommand> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      return { ok: false, message: 'no command given' };
    case 'help':
    case '--help':
    case '-h':
      return { ok: true, value: { command: 'help' } };
    case 'backtest':
      return { ok: true, value: { command: 'backtest', argv: rest } };
    case 'status':
    case 'stop': {
      const spec: Spec = { 'data-dir': 'value', json: 'switch' };
      const raw = tokenize(rest, command === 'stop' ? { ...spec, flatten: 'switch', 'no-flatten': 'switch' } : spec, true);
      if (!raw.ok) return raw;
      const dir = str(raw.value, 'data-dir');
      if (dir === undefined) {
        return {
          ok: false,
          message:
            `${command} needs --data-dir DIR: the folder the app or the headless host keeps its data in ` +
            '(headless default: ~/.trading-supervisor)',
        };
      }
      const dataDir = isAbsolute(dir) ? dir : resolve(cwd, dir);
      const json = raw.value.get('json') === true;
      if (command === 'status') return { ok: true, value: { command, dataDir, json } };
      const flatten = raw.value.get('flatten') === true;
      const noFlatten = raw.value.get('no-flatten') === true;
      if (flatten && noFlatten) return { ok: false, message: '--flatten and --no-flatten contradict each other: pass one of them, or neither to follow the app\'s setting' };
      return { ok: true, value: { command, dataDir, json, flatten: flatten ? true : noFlatten ? false : undefined } };
    }
    default:
      return { ok: false, message: `unknown command "${command.slice(0, 64)}"` };
  }
}
