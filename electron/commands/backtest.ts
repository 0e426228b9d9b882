// `npm run backtest -- --csv FILE --strategy sma-cross --fast 10 --slow 20 --cash 10000
//   --commission 0.002 --sizing all-in --allow-short --json OUT`
// Reads an OHLCV CSV, runs one backtest, prints a summary and optionally writes the trades and
// metrics as JSON. Exit codes: 0 done, 2 bad arguments or refused data, 1 unexpected failure.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runBacktest } from '../../engine/backtest/backtester';
import { columnsFromBars, type BarColumns } from '../../engine/backtest/columns';
import { BacktestConfigError } from '../../engine/backtest/config';
import { metricsOf, type BacktestMetrics } from '../../engine/backtest/metrics';
import type { BacktestConfig, SizingModel, SlippageModel } from '../../engine/backtest/types';
import { parseOhlcvCsv, type CsvIssue } from '../../engine/data/csv';
import { STRATEGY_REGISTRY, strategyDefinition, UnknownStrategyError } from '../../engine/strategies/registry';
import { StrategyParamError } from '../../engine/strategies/params';
import type { Timeframe } from '../../engine/domain/types';
import { SqliteStore } from '../../db/SqliteStore';

const OPTIONS: Record<string, 'value' | 'switch'> = {
  csv: 'value', 'data-dir': 'value', symbol: 'value', timeframe: 'value', strategy: 'value', cash: 'value', commission: 'value', 'commission-per-share': 'value',
  'commission-fixed': 'value', 'slippage-bps': 'value', 'slippage-atr': 'value', sizing: 'value', fraction: 'value',
  'risk-fraction': 'value', 'stop-atr': 'value', 'stop-loss': 'value', 'take-profit': 'value', 'close-at-end': 'value',
  'qty-step': 'value', 'allow-short': 'switch', repair: 'switch', json: 'value', help: 'switch',
};

export const BACKTEST_USAGE = `usage: npm run backtest -- (--csv FILE | --data-dir DIR --symbol SYM) [options]
  --csv FILE                 OHLCV CSV: timestamp column, then Open, High, Low, Close, Volume (any case)
  --data-dir DIR --symbol SYM [--timeframe 1Min|5Min|15Min|1Hour|1Day]
                             bars cached by the app in DIR (from Alpaca or the simulator), read-only
  --strategy ID              ${[...STRATEGY_REGISTRY.keys()].join(' | ')} (default sma-cross)
  --<param> N                strategy parameters, e.g. --fast 10 --slow 20 (defaults apply)
  --cash N                   starting cash (default 10000)
  --commission F             commission as a fraction of notional, e.g. 0.002 (default 0)
  --commission-per-share N   and/or per unit traded;  --commission-fixed N  and/or per fill
  --slippage-bps N | --slippage-atr F   slippage against each fill (default none)
  --sizing all-in|fixed-fraction|risk   (default all-in); --fraction F; --risk-fraction F --stop-atr N
  --allow-short              short signals open shorts (otherwise they only close longs)
  --stop-loss F --take-profit F          protective exits, fractions of the entry price
  --close-at-end last-open|last-close|none   (default last-open)
  --qty-step N               smallest quantity (default 1 = whole units; e.g. 0.0001 for crypto)
  --repair                   drop/reorder bad CSV lines (each one is reported) instead of refusing
  --json OUT                 write trades and metrics to OUT`;

class UsageError extends Error {}

function parseArgs(argv: readonly string[], paramNames: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}"; options start with --`);
    const name = a.slice(2);
    const kind = OPTIONS[name] ?? (paramNames.has(name) ? 'value' : undefined);
    if (kind === undefined) throw new UsageError(`unknown option --${name}`);
    if (out.has(name)) throw new UsageError(`--${name} is given twice`);
    if (kind === 'switch') out.set(name, 'true');
    else {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      out.set(name, v);
    }
  }
  return out;
}

function num(args: Map<string, string>, name: string): number | undefined {
  const v = args.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return n;
}

function buildConfig(args: Map<string, string>): BacktestConfig {
  const sizingName = args.get('sizing') ?? 'all-in';
  let sizing: SizingModel;
  switch (sizingName) {
    case 'all-in':
      sizing = { kind: 'all-in', ...(args.has('fraction') ? { fraction: num(args, 'fraction')! } : {}) };
      break;
    case 'fixed-fraction':
      sizing = { kind: 'fixed-fraction', fraction: num(args, 'fraction') ?? 0.1 };
      break;
    case 'risk':
      sizing = { kind: 'risk', riskFraction: num(args, 'risk-fraction') ?? 0.01, stopAtr: num(args, 'stop-atr') ?? 2 };
      break;
    default:
      throw new UsageError(`--sizing must be all-in, fixed-fraction or risk, got "${sizingName}"`);
  }
  if (args.has('slippage-bps') && args.has('slippage-atr')) throw new UsageError('give --slippage-bps or --slippage-atr, not both');
  const slippage: SlippageModel = args.has('slippage-bps')
    ? { kind: 'bps', bps: num(args, 'slippage-bps')! }
    : args.has('slippage-atr')
      ? { kind: 'atr', fraction: num(args, 'slippage-atr')! }
      : { kind: 'none' };
  const closeAtEnd = args.get('close-at-end') ?? 'last-open';
  if (closeAtEnd !== 'last-open' && closeAtEnd !== 'last-close' && closeAtEnd !== 'none') {
    throw new UsageError(`--close-at-end must be last-open, last-close or none, got "${closeAtEnd}"`);
  }
  return {
    cash: num(args, 'cash') ?? 10_000,
    commission: { pct: num(args, 'commission') ?? 0, perShare: num(args, 'commission-per-share') ?? 0, fixed: num(args, 'commission-fixed') ?? 0 },
    slippage,
    sizing,
    allowShort: args.has('allow-short'),
    stopLossPct: num(args, 'stop-loss') ?? 0,
    takeProfitPct: num(args, 'take-profit') ?? 0,
    closeAtEnd,
    qtyStep: num(args, 'qty-step') ?? 1,
  };
}

/** JSON has no NaN or Infinity: undefined figures become null */
const finiteOrNull = (m: BacktestMetrics): Record<string, number | null> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));

/** every refused or repaired line is listed; reported-only gaps are listed up to 10, then counted */
function reportIssues(file: string, issues: readonly CsvIssue[]): void {
  let gaps = 0;
  for (const issue of issues) {
    if (issue.action === 'reported' && ++gaps > 10) continue;
    process.stderr.write(`backtest: ${file}: ${issue.message} (${issue.action})\n`);
  }
  if (gaps > 10) process.stderr.write(`backtest: ${file}: ... and ${gaps - 10} more gaps (${gaps} in all; the data is used as is)\n`);
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');

function readCsv(csvPath: string, repair: boolean): BarColumns {
  let text: string;
  try {
    text = readFileSync(resolve(csvPath), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --csv ${csvPath}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const parsed = parseOhlcvCsv(text, { repair });
  reportIssues(csvPath, parsed.issues);
  if (!parsed.ok) throw new UsageError(parsed.message);
  return columnsFromBars(parsed.bars);
}

const TIMEFRAMES: readonly Timeframe[] = ['1Min', '5Min', '15Min', '1Hour', '1Day'];

/** Bars the app cached in a data directory, read through a read-only store (works while the app runs). */
function readCached(dataDir: string, args: Map<string, string>): BarColumns {
  const symbol = args.get('symbol');
  if (symbol === undefined) throw new UsageError('--data-dir needs --symbol SYM (e.g. AAPL or BTC/USD)');
  const tf = (args.get('timeframe') ?? '1Min') as Timeframe;
  if (!TIMEFRAMES.includes(tf)) throw new UsageError(`--timeframe must be one of ${TIMEFRAMES.join(', ')}, got "${tf}"`);
  let store: SqliteStore;
  try {
    store = SqliteStore.openReadOnly(resolve(dataDir));
  } catch (e) {
    throw new UsageError(`cannot read the data directory ${dataDir}: ${(e as Error).message}`);
  }
  try {
    const cols = store.loadBarColumns(symbol, tf, 0, Number.MAX_SAFE_INTEGER);
    if (cols.length === 0) throw new UsageError(`no ${tf} bars of ${symbol} are cached in ${dataDir}; run the app on it first, or use --csv`);
    return cols;
  } finally {
    store.close();
  }
}

export async function runBacktestCommand(argv: string[]): Promise<number> {
  try {
    // the strategy decides which --<param> options exist, so it is looked up first
    const at = argv.indexOf('--strategy');
    const def = strategyDefinition(at >= 0 ? (argv[at + 1] ?? '') : 'sma-cross');
    const args = parseArgs(argv, new Set(def.params.map((p) => p.name)));
    if (args.has('help')) {
      process.stdout.write(`${BACKTEST_USAGE}\n`);
      return 0;
    }
    const csvPath = args.get('csv');
    const dataDir = args.get('data-dir');
    if ((csvPath === undefined) === (dataDir === undefined)) throw new UsageError('give either --csv FILE or --data-dir DIR --symbol SYM');
    const params: Record<string, number> = {};
    for (const p of def.params) {
      const v = num(args, p.name);
      if (v !== undefined) params[p.name] = v;
    }
    const strategy = def.create(params);
    const config = buildConfig(args);

    const cols = csvPath !== undefined ? readCsv(csvPath, args.has('repair')) : readCached(dataDir as string, args);
    const result = runBacktest(cols, strategy, config);
    const metrics = metricsOf(result, cols.c);
    const trades = result.trades.map((t) => ({
      side: t.side,
      size: t.size,
      entryTime: new Date(t.entryTime).toISOString(),
      exitTime: new Date(t.exitTime).toISOString(),
      entryPrice: t.entryPrice,
      exitPrice: t.exitPrice,
      pnl: t.pnl,
      exitReason: t.exitReason,
    }));
    process.stdout.write(
      `${strategy.id} ${JSON.stringify(params)} on ${cols.length} bars: ${trades.length} trades, ` +
        `final equity ${result.finalEquity.toFixed(2)} (${pct(metrics.totalReturn)}), Sharpe ${metrics.sharpe.toFixed(2)}, ` +
        `max drawdown ${pct(metrics.maxDrawdown)}, win rate ${pct(metrics.winRate)}, buy & hold ${pct(metrics.buyAndHoldReturn)}\n`,
    );
    const out = args.get('json');
    if (out !== undefined) {
      const doc = { source: csvPath ?? `${dataDir} ${args.get('symbol')}`, strategy: { id: strategy.id, params }, config, trades, metrics: finiteOrNull(metrics) };
      writeFileSync(resolve(out), `${JSON.stringify(doc, null, 1)}\n`);
      process.stdout.write(`wrote ${out}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof StrategyParamError || e instanceof BacktestConfigError || e instanceof UnknownStrategyError) {
      process.stderr.write(`backtest: ${e.message}\n(see npm run backtest -- --help)\n`);
      return 2;
    }
    throw e;
  }
}
