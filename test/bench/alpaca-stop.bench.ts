// Emergency stop through the real runtime on Alpaca (engine + SQLite journal + adapters over the
// SDK) against the emulator, with 200 open orders and 50 positions at the broker: from the
// request's arrival at the runtime (killswitch:engage with flatten) to the broker confirming zero
// open orders and zero positions. Before each run the orders and positions are placed at the
// emulator directly, the runtime journals them from the trade-updates stream (as external), and
// the stop is re-armed; the emulator enforces Alpaca's real limit of 200 requests a minute.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../../electron/runtime';
import type { StopReport } from '../../engine/domain/types';
import { DEFAULT_SYMBOLS, type SymbolSpec } from '../emulator/market';
import { startEmulator } from '../emulator/server';
import { summarize, type Bench } from './lib';

const RUNS = 12;
const ORDERS = 200;
const POSITIONS = 50;
const SETTLE_TIMEOUT_MS = 20_000;

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export default async function alpacaStopBench(b: Bench): Promise<void> {
  const extra: SymbolSpec[] = Array.from({ length: POSITIONS }, (_, i) => ({
    symbol: `SYM${String(i).padStart(2, '0')}`,
    name: `Synthetic ${i}`,
    assetClass: 'us_equity',
    exchange: 'NYSE',
    startPrice: 20 + i,
    volatility: 0.001,
    fractionable: true,
    shortable: true,
  }));
  const emu = await startEmulator({ seed: 13, symbols: [...DEFAULT_SYMBOLS, ...extra], startTime: Date.now(), historyMinutes: 120, cash: 50_000_000 });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-alpaca-stop-'));
  const rt = await startRuntime({
    dataDir,
    broker: 'alpaca',
    env: {
      APCA_API_KEY_ID: emu.keys.keyId,
      APCA_API_SECRET_KEY: emu.keys.secret,
      ALPACA_PAPER: 'true',
      ALPACA_API_BASE_URL: emu.urls.api,
      ALPACA_DATA_BASE_URL: emu.urls.data,
      ALPACA_STREAM_URL: emu.urls.stream,
      ALPACA_DATA_STREAM_URL: emu.urls.dataStream,
      ALPACA_SYMBOLS: 'AAPL',
    },
  });
  const samples: number[] = [];
  const requests: number[] = [];
  let seq = 0;
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const s of extra) emu.openExternalPosition(s.symbol, 10);
      for (let i = 0; i < ORDERS; i++) {
        const s = extra[i % POSITIONS] as SymbolSpec;
        emu.submitOrder({ symbol: s.symbol, qty: '1', side: 'buy', type: 'limit', limit_price: '1', time_in_force: 'gtc', client_order_id: `bench-${seq++}` });
      }
      await until(() => emu.exchange.listOrders().filter((o) => emu.exchange.isOpen(o)).length === ORDERS && emu.exchange.positions.size === POSITIONS, 'the emulator to hold the orders and positions');
      // the engine learns them from the stream, as a real account's outside activity
      await until(() => rt.engine.state.openOrders.size === ORDERS && rt.engine.state.positions.size === POSITIONS, 'the runtime to journal the external orders and positions');
      if (rt.engine.state.tradingState.state !== 'active') {
        const rearm = await rt.dispatch('killswitch:rearm', { reason: `bench run ${run}` });
        if (!rearm.ok) throw new Error(`re-arm failed: ${rearm.error.message}`);
      }
      const before = emu.requests.length;
      const t0 = performance.now();
      const r = await rt.dispatch('killswitch:engage', { flatten: true, source: 'ui' });
      const took = performance.now() - t0;
      if (!r.ok) throw new Error(`stop refused: ${r.error.message}`);
      const report = r.value as StopReport;
      const openAtBroker = emu.exchange.listOrders().filter((o) => emu.exchange.isOpen(o)).length;
      if (report.status !== 'confirmed' || openAtBroker !== 0 || emu.exchange.positions.size !== 0) {
        throw new Error(`run ${run}: stop not confirmed (${report.status}; ${openAtBroker} orders, ${emu.exchange.positions.size} positions at the broker): ${JSON.stringify(report.steps)}`);
      }
      samples.push(took);
      requests.push(emu.requests.length - before);
      // the close-outs' fills reach the journal before the next run seeds again
      await until(() => rt.engine.state.positions.size === 0 && rt.engine.state.openOrders.size === 0, 'the journal to settle after the stop');
    }
  } finally {
    await rt.shutdown();
    await emu.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (process.env.BENCH_DEBUG) {
    const byPath = new Map<string, number>();
    for (const r of emu.requests as unknown as { method: string; path: string }[]) {
      const k = `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ':id').split('?')[0]}`;
      byPath.set(k, (byPath.get(k) ?? 0) + 1);
    }
    console.log([...byPath.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12));
  }
  const s = summarize(samples);
  const note = `${RUNS} runs through startRuntime({broker: 'alpaca'}): killswitch:engage (flatten) with ${ORDERS} open orders + ${POSITIONS} positions at the emulator, journaled by the engine; until the report is confirmed (broker lists 0 orders, 0 positions); at most ${Math.max(...requests)} requests per stop; real SDK over loopback, 200 requests/min enforced; runs in order (ms): ${samples.map((x) => x.toFixed(0)).join(', ')}`;
  b.record({ name: 'Alpaca runtime emergency stop to confirmed flat (median)', value: s.median, unit: 'ms', target: '< 1000 ms', met: s.median < 1000, note });
  b.record({ name: 'Alpaca runtime emergency stop to confirmed flat (p99)', value: s.p99, unit: 'ms', target: '< 1000 ms', met: s.p99 < 1000, note });
}
