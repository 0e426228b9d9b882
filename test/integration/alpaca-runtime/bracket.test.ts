// A stock entry with the engine's ATR stop and target goes to Alpaca as one bracket order
// (order_class bracket, take_profit and stop_loss legs), through the real runtime and SDK.
import { afterEach, describe, expect, it } from 'vitest';
import { startRuntime, type AlpacaRuntime } from '../../../electron/runtime';
import type { Emulator } from '../../emulator/server';
import { emulatorEnv, emulatorNow, emulatorPositions, ordersPerClientId, removeTempDirs, tempDir, TUNING, waitFor } from './harness';

const open: { rt: AlpacaRuntime | null; emu: Emulator | null }[] = [];

afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.rt?.shutdown();
    await o.emu?.close();
  }
  removeTempDirs();
});

describe('bracket orders through the runtime', () => {
  it('a strategy stock entry with a bracket is placed at the emulator as order_class bracket with both legs', async () => {
    const emu = await emulatorNow();
    const entry: { rt: AlpacaRuntime | null; emu: Emulator | null } = { rt: null, emu };
    open.push(entry);
    const rt = await startRuntime({ dataDir: tempDir(), broker: 'alpaca', env: emulatorEnv(emu), alpaca: TUNING, housekeepingMs: 50 });
    entry.rt = rt;
    const last = rt.market.lastPrice('AAPL');
    if (last === null) throw new Error('no AAPL price from the emulator history');
    const stopLoss = Math.round((last - 5) * 100) / 100;
    const takeProfit = Math.round((last + 5) * 100) / 100;
    const r = await rt.engine.orders.submit({
      intentKey: 'sma-cross:AAPL:buy:bracket-test', symbol: 'AAPL', side: 'buy', type: 'market', qty: 2, limitPrice: null,
      origin: 'strategy', strategyId: 'sma-cross', reason: 'test entry', refPrice: last, barTime: 1, bracket: { stopLoss, takeProfit },
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const id = r.ok ? r.order.clientOrderId : '';
    const parent = emu.exchange.getByClientId(id);
    expect(parent?.orderClass).toBe('bracket');
    const legs = (parent?.legIds ?? []).map((legId) => emu.exchange.listOrders().find((o) => o.id === legId));
    expect(legs.map((l) => [l?.legKind, l?.side, l?.type, l?.limitPrice, l?.stopPrice]).sort()).toEqual([
      ['stop_loss', 'sell', 'stop', null, stopLoss],
      ['take_profit', 'sell', 'limit', takeProfit, null],
    ]);
    expect(ordersPerClientId(emu).get(id)).toBe(1);
    await waitFor(() => rt.engine.state.positions.get('AAPL')?.qty === 2, 'the AAPL entry fill to reach the journal');

    // The legs come back as orders of their own (no reference to the entry on the wire); the
    // engine knows them from the entry's nested legs, so a strategy exit cancels them first.
    const legIds = legs.map((l) => l?.clientOrderId ?? '');
    await waitFor(() => legIds.every((l) => rt.engine.state.openOrders.has(l)), 'both legs to be known to the engine as open orders');
    expect(legIds.every((l) => rt.engine.orders.isBracketLeg(rt.engine.state.openOrders.get(l)!))).toBe(true);
    const exit = await rt.engine.orders.submit({
      intentKey: 'sma-cross:AAPL:sell:bracket-test', symbol: 'AAPL', side: 'sell', type: 'market', qty: 2, limitPrice: null,
      origin: 'strategy', strategyId: 'sma-cross', reason: 'test exit', refPrice: last, barTime: 2,
    });
    expect(exit.ok, JSON.stringify(exit)).toBe(true);
    await waitFor(() => !rt.engine.state.positions.has('AAPL'), 'the exit fill to flatten AAPL in the journal');
    expect(emulatorPositions(emu)).toEqual({});
    for (const l of legIds) expect(emu.exchange.getByClientId(l)?.status).toBe('canceled');
  });
});
