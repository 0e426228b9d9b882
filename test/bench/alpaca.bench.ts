// Emergency stop against the Alpaca emulator: 200 open orders and 50 positions, from the stop
// request to Alpaca confirming zero open orders and zero positions (cancel all, close all, then
// poll both lists), through the real SDK, the adapter and the shared request budget. Each run uses
// a fresh client (a full request budget, as a stop in a normal session would find it) and the
// emulator enforces Alpaca's 200 requests/min throughout.
import { AlpacaBroker } from '../../engine/adapters/alpaca/broker';
import { createAlpacaClient } from '../../engine/adapters/alpaca/client';
import { alpacaConfigFromEnv } from '../../engine/adapters/alpaca/config';
import { DEFAULT_SYMBOLS, type SymbolSpec } from '../emulator/market';
import { startEmulator } from '../emulator/server';
import { summarize, type Bench } from './lib';

const RUNS = 15;
const ORDERS = 200;
const POSITIONS = 50;
const POLL_MS = 20;

export default async function alpacaBench(b: Bench): Promise<void> {
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
  const emu = await startEmulator({ seed: 11, symbols: [...DEFAULT_SYMBOLS, ...extra], historyMinutes: 30, cash: 50_000_000, startTime: Date.parse('2024-03-04T15:00:00Z') });
  const config = alpacaConfigFromEnv({
    APCA_API_KEY_ID: emu.keys.keyId,
    APCA_API_SECRET_KEY: emu.keys.secret,
    ALPACA_API_BASE_URL: emu.urls.api,
    ALPACA_DATA_BASE_URL: emu.urls.data,
  });
  if (!config.ok) throw new Error(config.message);
  const samples: number[] = [];
  const requests: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const s of extra) emu.openExternalPosition(s.symbol, 10);
      for (let i = 0; i < ORDERS; i++) {
        const s = extra[i % POSITIONS] as SymbolSpec;
        emu.submitOrder({ symbol: s.symbol, qty: '1', side: 'buy', type: 'limit', limit_price: '1', time_in_force: 'gtc', client_order_id: `bench-${run}-${i}` });
      }
      await new Promise((r) => setImmediate(r));
      if (emu.exchange.positions.size !== POSITIONS || emu.exchange.listOrders().filter((o) => emu.exchange.isOpen(o)).length !== ORDERS) {
        throw new Error('seeding failed: the emulator does not hold 200 open orders and 50 positions');
      }
      const client = createAlpacaClient(config.config);
      const broker = new AlpacaBroker(client, { log: () => undefined });
      const before = emu.requests.length;
      const t0 = performance.now();
      const canceled = await broker.cancelAllOrders();
      const closed = await broker.closeAllPositions();
      if (!canceled.ok || !closed.ok) throw new Error(`stop failed: ${JSON.stringify({ canceled, closed })}`);
      for (let poll = 0; ; poll++) {
        const [orders, positions] = await Promise.all([broker.listOpenOrders(), broker.listPositions()]);
        if (orders.ok && positions.ok && orders.value.length === 0 && positions.value.length === 0) break;
        if (poll > 500) throw new Error('the broker never confirmed zero orders and positions');
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      samples.push(performance.now() - t0);
      requests.push(emu.requests.length - before);
      await broker.close();
      client.close();
    }
  } finally {
    await emu.close();
  }
  const s = summarize(samples);
  const note = `${RUNS} runs, ${ORDERS} open orders + ${POSITIONS} positions each; cancel all, close all, poll every ${POLL_MS} ms; ${Math.max(...requests)} requests at most per stop; real SDK over loopback`;
  b.record({ name: 'Alpaca emergency stop to confirmed flat (median)', value: s.median, unit: 'ms', target: '< 1000 ms', met: s.median < 1000, note });
  b.record({ name: 'Alpaca emergency stop to confirmed flat (p99)', value: s.p99, unit: 'ms', target: '< 1000 ms', met: s.p99 < 1000, note });
}
