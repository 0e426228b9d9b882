// `cli status`: the report's content, and the real command (as `npm run cli` runs it, via tsx)
// on a temp data dir, including while a writer (the app) has the database open.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../db/SqliteStore';
import type { OrderRecord, TradingStateRecord } from '../../../engine/domain/types';
import type { RestoredState } from '../../../engine/ports';
import { formatStatus, statusReport } from '../../../electron/cli-status';

const root = resolve(import.meta.dirname, '../../..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

const halted: TradingStateRecord = { state: 'halted', setBy: 'killswitch', reason: 'emergency stop (ui)', at: Date.UTC(2025, 0, 2, 15), latched: true };
const order: OrderRecord = {
  clientOrderId: 'ts-sma-AAPL-buy-1',
  brokerOrderId: 'b-1',
  symbol: 'AAPL',
  side: 'buy',
  type: 'limit',
  qty: 10,
  limitPrice: 101.5,
  stopPrice: null,
  tif: 'day',
  status: 'accepted',
  filledQty: 0,
  avgFillPrice: null,
  origin: 'manual',
  strategyId: null,
  reason: 'manual ticket',
  statusReason: null,
  createdAt: Date.UTC(2025, 0, 2, 14),
  updatedAt: Date.UTC(2025, 0, 2, 14),
};

function restored(over: Partial<RestoredState> = {}): RestoredState {
  return {
    tradingState: halted,
    settings: null,
    positions: [
      { symbol: 'MSFT', qty: 5, avgEntryPrice: 400, realizedPnl: 0, updatedAt: 1 },
      { symbol: 'FLAT', qty: 0, avgEntryPrice: 0, realizedPnl: 12, updatedAt: 1 },
    ],
    openOrders: [order],
    pendingApprovals: [],
    account: null,
    lastStop: null,
    fillsAfterCheckpoint: [],
    ...over,
  };
}

describe('status report', () => {
  it('carries trading state with who/when/why, the latch, manual mode, held positions and open orders', () => {
    const r = statusReport('/d', restored());
    expect(r).toMatchObject({ dataDir: '/d', tradingState: halted, latched: true, mode: 'manual', openOrders: [order], pendingApprovals: [] });
    expect(r.positions.map((p) => p.symbol)).toEqual(['MSFT']);
    const text = formatStatus(r);
    expect(text).toMatch(/Trading state: HALTED \(latched/);
    expect(text).toMatch(/set by killswitch at 2025-01-02T15:00:00.000Z: emergency stop \(ui\)/);
    expect(text).toMatch(/Mode: +manual/);
    expect(text).toMatch(/Open orders \(1\):\n {2}ts-sma-AAPL-buy-1 {2}buy 10 AAPL limit @ 101.5 {2}accepted/);
    expect(text).toMatch(/Pending approvals: none/);
  });

  it('describes a fresh database without inventing a state', () => {
    const r = statusReport('/d', restored({ tradingState: null, positions: [], openOrders: [] }));
    expect(r.latched).toBe(false);
    expect(formatStatus(r)).toMatch(/Trading state: not recorded yet/);
  });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tsx, ['electron/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

describe('npm run cli -- status', () => {
  let dir: string;
  let writer: SqliteStore;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ts-cli-'));
    writer = SqliteStore.open(dir);
    writer.saveTradingState(halted);
    writer.insertOrder(order);
  });
  afterAll(() => {
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the persisted state as JSON, read-only, while the app holds the database open', async () => {
    const r = await runCli(['status', '--data-dir', dir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ReturnType<typeof statusReport>;
    expect(report.tradingState).toEqual(halted);
    expect(report.latched).toBe(true);
    expect(report.mode).toBe('manual');
    expect(report.openOrders.map((o) => o.clientOrderId)).toEqual([order.clientOrderId]);
    // the writer still works: the CLI took no lock and changed nothing
    writer.saveTradingState({ ...halted, reason: 'still writable' });
  });

  it('exits 2 with a clear message for a missing data dir, a dir without a database, or an unknown command', async () => {
    const missing = await runCli(['status', '--data-dir', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/data directory .*nope does not exist/);

    const empty = mkdtempSync(join(tmpdir(), 'ts-cli-empty-'));
    const noDb = await runCli(['status', '--data-dir', empty]);
    rmSync(empty, { recursive: true, force: true });
    expect(noDb.code).toBe(2);
    expect(noDb.stderr.length).toBeGreaterThan(10);

    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"[\s\S]*usage:/);
  });
});
