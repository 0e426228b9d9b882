// Engine + store on a temp directory: trade on the simulator in a child process, kill it with
// SIGKILL at a random moment, restart, and prove nothing was lost or sent twice.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startRuntime, type SimRuntime } from '../../../electron/runtime';
import { SqliteSimLedger } from '../../../db/simLedger';
import { SqliteStore } from '../../../db/SqliteStore';

const child = resolve(import.meta.dirname, 'crash-child.ts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'crash-'));
  dirs.push(d);
  return d;
}

/** Run the child until it prints `marker`, let it work `workMs` more, then SIGKILL it. */
function runAndKill(dataDir: string, scenario: string, seed: number, workMs: number, marker = 'TRADING'): Promise<string> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dataDir, scenario, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const deadline = setTimeout(() => {
      p.kill('SIGKILL');
      fail(new Error(`child never printed ${marker} within 20 s; stderr: ${err.slice(-2000)}`));
    }, 20_000);
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(marker)) setTimeout(() => p.kill('SIGKILL'), workMs);
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (signal === 'SIGKILL') done(out);
      else fail(new Error(`child exited on its own (code ${code}); stderr: ${err.slice(-2000)}`));
    });
  });
}

/** What the journal and the simulated broker say, after a restart has reconciled them. */
async function verifyConsistent(dataDir: string): Promise<{ rt: SimRuntime; orders: number }> {
  const rt = await startRuntime({ dataDir, broker: 'sim', simSpeed: 1 });
  rt.market.stop(); // freeze the market: compare a still picture
  await new Promise((r) => setTimeout(r, 50)); // owed fills of the simulator land
  const brokerPositions = await rt.broker.listPositions();
  const brokerOpen = await rt.broker.listOpenOrders();
  if (!brokerPositions.ok || !brokerOpen.ok) throw new Error('simulator did not answer');
  const mine = Object.fromEntries([...rt.engine.state.positions.values()].map((p) => [p.symbol, p.qty]));
  const theirs = Object.fromEntries(brokerPositions.value.map((p) => [p.symbol, p.qty]));
  expect(mine).toEqual(theirs);
  expect([...rt.engine.state.openOrders.keys()].sort()).toEqual(brokerOpen.value.map((o) => o.clientOrderId).sort());
  // one broker order per intent: the simulated broker never saw a client_order_id twice
  expect(rt.ledger.totalSubmissions().refused).toBe(0);
  const journal = rt.store.listOrders('all', 100_000);
  for (const o of journal) expect(rt.ledger.submissionsFor(o.clientOrderId)).toBeLessThanOrEqual(1);
  expect(rt.engine.state.mode).toBe('manual');
  return { rt, orders: journal.length };
}

describe('crash and restart on the simulator (SIGKILL)', () => {
  it('autonomous trading killed at random moments three times: positions and open orders match the broker, no order sent twice', async () => {
    const dir = tempDir();
    const seed = 1 + Math.floor(Math.random() * 1000);
    for (let round = 0; round < 3; round++) {
      await runAndKill(dir, 'autonomous', seed, 300 + Math.floor(Math.random() * 700));
    }
    const { rt, orders } = await verifyConsistent(dir);
    try {
      expect(orders, `seed ${seed}: some orders must have been placed for the test to mean anything`).toBeGreaterThan(10);
      const store = rt.store;
      expect(store.countFills()).toBeGreaterThan(0);
    } finally {
      await rt.shutdown();
    }
  }, 90_000);

  it('manual mode killed mid-approval: pending approvals and orders are restored, nothing duplicated', async () => {
    const dir = tempDir();
    await runAndKill(dir, 'manual', 7, 1500);
    const before = SqliteStore.openReadOnly(dir);
    const pending = before.restore().pendingApprovals.map((a) => a.id).sort();
    before.close();
    const { rt } = await verifyConsistent(dir);
    try {
      const now = Date.now();
      // every approval still in its window is back in the queue (expired ones are expired, not lost)
      const restored = rt.engine.approvals.pending().map((a) => a.id);
      const stillValid = rt.store.restore().pendingApprovals.filter((a) => a.expiresAt > now).map((a) => a.id);
      expect(restored.sort()).toEqual(stillValid.sort());
      expect(pending.length).toBeGreaterThanOrEqual(restored.length);
    } finally {
      await rt.shutdown();
    }
  }, 60_000);

  it('killed right after the emergency stop: the latch is restored halted, with zero open orders, until re-armed', async () => {
    const dir = tempDir();
    const out = await runAndKill(dir, 'halt', 3, 0, 'HALTED');
    expect(out).toContain('HALTED confirmed');
    const { rt } = await verifyConsistent(dir);
    try {
      expect(rt.engine.state.tradingState).toMatchObject({ state: 'halted', latched: true });
      expect(rt.engine.state.openOrders.size).toBe(0);
      const ledger: SqliteSimLedger = rt.ledger;
      expect((await rt.broker.listOpenOrders()).ok).toBe(true);
      expect(ledger.totalSubmissions().accepted).toBe(10);
      const r = await rt.dispatch('supervisor:set_mode', { mode: 'autonomous' });
      expect(r).toMatchObject({ ok: false, error: { code: 'halted' } });
    } finally {
      await rt.shutdown();
    }
  }, 60_000);
});
