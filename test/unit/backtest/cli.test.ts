// The backtest command, called directly: it writes the reference trades and metrics as JSON,
// and refuses bad arguments and bad data with exit code 2 and a message saying what to fix.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runBacktestCommand } from '../../../electron/commands/backtest';
import { parseTimestamp } from '../../../engine/data/csv';
import { sharedCsvPath, sharedDataAvailable } from '../data/sharedData';
import { loadReference } from './reference';

const dir = mkdtempSync(join(tmpdir(), 'backtest-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let stderr: string[];
let stdout: string[];
beforeEach(() => {
  stderr = [];
  stdout = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (stdout.push(String(s)), true));
});
afterEach(() => vi.restoreAllMocks());

const have = sharedDataAvailable('backtest command on GOOG.csv');

describe.skipIf(!have)('npm run backtest on GOOG reproduces the reference', () => {
  it('writes the 94 reference trades (side, size, times, prices, pnl) and the metrics to --json', async () => {
    const out = join(dir, 'goog.json');
    const code = await runBacktestCommand(['--csv', sharedCsvPath('GOOG'), '--strategy', 'sma-cross', '--fast', '10', '--slow', '20', '--cash', '10000', '--commission', '0.002', '--sizing', 'all-in', '--allow-short', '--json', out]);
    expect(stderr.join('')).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      trades: { side: string; size: number; entryTime: string; exitTime: string; entryPrice: number; exitPrice: number; pnl: number }[];
      metrics: Record<string, number | null>;
    };
    const ref = loadReference();
    expect(doc.trades.length).toBe(94);
    doc.trades.forEach((t, i) => {
      const r = ref.trades[i]!;
      expect([t.side, t.size, Date.parse(t.entryTime), Date.parse(t.exitTime), t.entryPrice, t.exitPrice]).toEqual([
        r.side, r.size, parseTimestamp(r.entryTime), parseTimestamp(r.exitTime), r.entryPrice, r.exitPrice,
      ]);
      expect(Math.abs(t.pnl - r.pnl)).toBeLessThan(1e-6);
    });
    expect(Math.abs(doc.metrics.finalEquity! - Number(ref.stats['Equity Final [$]']))).toBeLessThan(0.005);
    expect(doc.metrics.sharpe).toBeCloseTo(Number(ref.stats['Sharpe Ratio']), 9);
    expect(stdout.join('')).toMatch(/94 trades, final equity 55574\.51/);
  });
});

describe('npm run backtest refuses bad input with exit code 2 and a readable message', () => {
  const csv = join(dir, 'tiny.csv');
  writeFileSync(csv, ',Open,High,Low,Close,Volume\n2024-01-02,10,11,9,10,100\n2024-01-03,10,11,9,10.5,100\n2024-01-04,10.5,11,10,10.8,100\n');

  it.each([
    [['--strategy', 'sma-cross'], /give either --csv FILE or --data-dir DIR --symbol SYM/],
    [['--csv', csv, '--fast', '30', '--slow', '20'], /fast \(30\) must be less than slow \(20\)/],
    [['--csv', csv, '--fast', '0'], /fast \(Fast SMA period\) must be a whole number between 1 and 200, got 0/],
    [['--csv', csv, '--fast', 'ten'], /--fast must be a number, got "ten"/],
    [['--csv', csv, '--strategy', 'moon'], /unknown strategy "moon"; choose one of sma-cross, ema-breakout/],
    [['--csv', csv, '--sizing', 'yolo'], /--sizing must be all-in, fixed-fraction or risk, got "yolo"/],
    [['--csv', csv, '--cash', '-5'], /backtest cash must be a positive amount, got -5/],
    [['--csv', csv, '--period', '5'], /unknown option --period/],
    [['--csv', csv, '--json'], /--json needs a value/],
    [['--csv', join(dir, 'missing.csv')], /cannot read --csv .*missing\.csv: ENOENT/],
  ])('%j -> %s', async (argv, message) => {
    expect(await runBacktestCommand(argv)).toBe(2);
    expect(stderr.join('')).toMatch(message);
  });

  it('a CSV with a bad line is refused, the line reported; with --repair it runs and still reports it', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, ',Open,High,Low,Close,Volume\n2024-01-02,10,11,9,10,100\n2024-01-03,10,11,9,abc,100\n2024-01-04,10.5,11,10,10.8,100\n');
    expect(await runBacktestCommand(['--csv', bad, '--fast', '1', '--slow', '2'])).toBe(2);
    expect(stderr.join('')).toMatch(/line 3: close "abc" is not a number \(refused\)/);
    stderr.length = 0;
    expect(await runBacktestCommand(['--csv', bad, '--fast', '1', '--slow', '2', '--repair'])).toBe(0);
    expect(stderr.join('')).toMatch(/line 3: close "abc" is not a number \(dropped\)/);
  });
});

describe.skipIf(!have)('npm run backtest on bars cached in a data directory', () => {
  it('reads the bars the app cached (read-only) and reproduces the reference on them', async () => {
    const { SqliteStore } = await import('../../../db/SqliteStore');
    const { parseOhlcvCsv } = await import('../../../engine/data/csv');
    const dataDir = join(dir, 'cached');
    const parsed = parseOhlcvCsv(readFileSync(sharedCsvPath('GOOG'), 'utf8'));
    if (!parsed.ok) throw new Error(parsed.message);
    const store = SqliteStore.open(dataDir);
    store.saveBars('GOOG', '1Day', parsed.bars);
    store.close();
    const out = join(dir, 'cached.json');
    const code = await runBacktestCommand(['--data-dir', dataDir, '--symbol', 'GOOG', '--timeframe', '1Day', '--fast', '10', '--slow', '20', '--commission', '0.002', '--sizing', 'all-in', '--allow-short', '--json', out]);
    expect(stderr.join('')).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { trades: unknown[]; source: string };
    expect(doc.trades).toHaveLength(94);
    expect(doc.source).toContain('GOOG');
  });

  it.each([
    [['--csv', 'x.csv', '--data-dir', '/tmp'], /either --csv FILE or --data-dir DIR --symbol SYM/],
    [['--data-dir', '/tmp'], /--data-dir needs --symbol SYM/],
    [['--data-dir', '/nonexistent-dir-xyz', '--symbol', 'AAPL'], /cannot read the data directory/],
    [['--data-dir', '/tmp', '--symbol', 'AAPL', '--timeframe', '2Min'], /--timeframe must be one of/],
  ])('refuses %j with a message', async (argv, message) => {
    expect(await runBacktestCommand(argv)).toBe(2);
    expect(stderr.join('')).toMatch(message);
  });
});
