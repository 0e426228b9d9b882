// SIGKILL crash tests on Alpaca: the runtime runs in a child process against the emulator in this
// process and kills itself (a) between journaling an order and sending it, (b) between sending it
// and the answer, (c) between the fill and journaling it. On restart the engine recovers by
// client_order_id: never a second order for the intent, and the journal's positions equal the
// broker's, with nothing left for the user to reconcile.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRuntime, type AlpacaRuntime } from '../../../electron/runtime';
import type { Emulator } from '../../emulator/server';
import { emulatorEnv, emulatorNow, emulatorPositions, ordersPerClientId, removeTempDirs, tempDir, TUNING } from './harness';

const child = resolve(import.meta.dirname, 'crash-child.ts');
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  removeTempDirs();
});

function runChild(dataDir: string, env: Record<string, string | undefined>, crashAt: string): Promise<{ out: string; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dataDir], { env: { ...process.env, ...env, SUPERVISOR_CRASH_AT: crashAt }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const deadline = setTimeout(() => {
      p.kill('SIGKILL');
      fail(new Error(`child did not finish within 40 s; stdout: ${out}; stderr: ${err.slice(-2000)}`));
    }, 40_000);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (!out.includes('READY')) fail(new Error(`child never started; stderr: ${err.slice(-2000)}`));
      else done({ out, signal, code });
    });
  });
}

async function crashThenRestart(crashAt: 'before_send' | 'after_send' | 'on_fill'): Promise<{ emu: Emulator; rt: AlpacaRuntime; out: string }> {
  const emu = await emulatorNow();
  cleanup.push(() => emu.close());
  const dataDir = tempDir('alpaca-crash-');
  const env = emulatorEnv(emu);
  const { out, signal } = await runChild(dataDir, env, crashAt);
  expect(signal, `the child must die by SIGKILL at ${crashAt}; it printed:\n${out}`).toBe('SIGKILL');
  expect(out).toContain('KILLING');
  const rt = await startRuntime({ dataDir, broker: 'alpaca', env, alpaca: TUNING });
  cleanup.push(() => rt.shutdown());
  return { emu, rt, out };
}

function journalIds(rt: AlpacaRuntime): string[] {
  return rt.store.listOrders('all', 1000).filter((o) => o.origin === 'manual').map((o) => o.clientOrderId);
}

function expectConsistent(rt: AlpacaRuntime, emu: Emulator): void {
  const mine = Object.fromEntries([...rt.engine.state.positions.values()].map((p) => [p.symbol, p.qty]));
  expect(mine).toEqual(emulatorPositions(emu));
  expect(rt.engine.state.reconciliation.filter((i) => i.resolution === null)).toEqual([]);
  expect([...rt.engine.state.openOrders.keys()]).toEqual([]);
  expect(rt.engine.state.mode).toBe('manual');
}

describe('SIGKILL on Alpaca, then restart', () => {
  it('(a) killed after the journal commit, before sending: the broker never saw the order, the journal marks it unsent, nothing is resent', async () => {
    const { emu, rt } = await crashThenRestart('before_send');
    const ids = journalIds(rt);
    expect(ids).toHaveLength(1);
    const id = ids[0] as string;
    expect(rt.store.getOrder(id)?.status).toBe('unsent');
    expect(ordersPerClientId(emu).get(id)).toBeUndefined();
    expect(emu.requestCount('POST', '/v2/orders')).toBe(0);
    expectConsistent(rt, emu);
  }, 60_000);

  it('(b) killed after sending, before the answer: exactly one order at the broker, its fill recovered into the journal', async () => {
    const { emu, rt } = await crashThenRestart('after_send');
    const ids = journalIds(rt);
    expect(ids).toHaveLength(1);
    const id = ids[0] as string;
    expect(ordersPerClientId(emu).get(id)).toBe(1);
    expect(emu.requestCount('POST', '/v2/orders')).toBe(1);
    expect(rt.store.getOrder(id)).toMatchObject({ status: 'filled', filledQty: 2 });
    expect(emulatorPositions(emu)).toEqual({ AAPL: 2 });
    expectConsistent(rt, emu);
  }, 60_000);

  it('(c) killed on the fill, before journaling it: exactly one order at the broker, the fill applied once at restart', async () => {
    const { emu, rt } = await crashThenRestart('on_fill');
    const ids = journalIds(rt);
    expect(ids).toHaveLength(1);
    const id = ids[0] as string;
    expect(ordersPerClientId(emu).get(id)).toBe(1);
    expect(rt.store.getOrder(id)).toMatchObject({ status: 'filled', filledQty: 2 });
    expect(rt.store.countFills()).toBe(1);
    expect(emulatorPositions(emu)).toEqual({ AAPL: 2 });
    expectConsistent(rt, emu);
    // a second restart applies nothing again
    await rt.shutdown();
    const again = await startRuntime({ dataDir: rt.dataDir, broker: 'alpaca', env: emulatorEnv(emu), alpaca: TUNING });
    cleanup.push(() => again.shutdown());
    expect(again.store.countFills()).toBe(1);
    expect(again.engine.state.positions.get('AAPL')?.qty).toBe(2);
  }, 60_000);

  it('without a crash the same child trades and stops cleanly (the hook is what kills it)', async () => {
    const emu = await emulatorNow();
    cleanup.push(() => emu.close());
    const { out, code, signal } = await runChild(tempDir('alpaca-crash-'), emulatorEnv(emu), 'none');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out).toContain('DONE');
    expect(emulatorPositions(emu)).toEqual({ AAPL: 2 });
  }, 60_000);
});
