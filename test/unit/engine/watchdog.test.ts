import { afterEach, describe, expect, it } from 'vitest';
import type { Bar, PositionProtection } from '../../../engine/domain/types';
import { PROTECTION_META_KEY } from '../../../engine/Engine';
import { DEFAULT_SIM_SYMBOLS } from '../../../engine/sim/instruments';
import { SimMarket } from '../../../engine/sim/SimMarket';
import { lastPrice, makeHarness, settle, type Harness } from './harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h?.cleanup();
  h = null;
});

const SYMBOL = 'BTC/USD';

/** The simulated path is a pure function of seed and cursor: a twin tells the next bar before the engine sees it. */
function nextBars(hh: Harness, n: number): Bar[] {
  const twin = new SimMarket({ seed: 7, speed: 10, symbols: DEFAULT_SIM_SYMBOLS, clock: hh.clock, historyBars: 300, cursors: hh.market.cursors() });
  return twin.step(n).filter((b) => b.symbol === SYMBOL).map((b) => b.bar);
}
const nextBar = (hh: Harness): Bar => nextBars(hh, 1)[0] as Bar;

/** A crypto position of 0.01 with the given levels watched locally (set as a strategy entry would, then restarted). */
async function protectedPosition(stop: (next: Bar, following: Bar[]) => number): Promise<{ hh: Harness; next: Bar; level: PositionProtection }> {
  let hh = await makeHarness();
  const r = await hh.engine.orders.submit({
    intentKey: 'wd-entry', symbol: SYMBOL, side: 'buy', type: 'market', qty: 0.01, limitPrice: null, origin: 'strategy', strategyId: 'sma-cross', reason: 'test entry', refPrice: lastPrice(hh, SYMBOL), barTime: 1,
  });
  if (!r.ok) throw new Error(r.error.message);
  await settle();
  const next = nextBar(hh);
  const level: PositionProtection = { stop: stop(next, nextBars(hh, 3)), target: next.h * 2, kind: 'local-watchdog' };
  hh.store.setMeta(PROTECTION_META_KEY, { [SYMBOL]: level });
  hh = await hh.restart();
  expect(nextBar(hh)).toEqual(next);
  return { hh, next, level };
}

const exits = (hh: Harness) => hh.store.listOrders('all', 100).filter((o) => o.symbol === SYMBOL && o.side === 'sell');

describe('local stop watchdog (crypto)', () => {
  it('shows the watched levels on the position and does nothing while the low stays just above the stop', async () => {
    const { hh, level } = await protectedPosition((next) => Math.round((next.l - 0.01) * 100) / 100);
    h = hh;
    expect(h.engine.snapshot().positions.find((p) => p.symbol === SYMBOL)?.protection).toEqual(level);
    h.market.step(1);
    await settle();
    expect(exits(h)).toHaveLength(0);
    expect(h.engine.state.positions.get(SYMBOL)?.qty).toBe(0.01);
  });

  it('at the stop sends one market exit, audited with the reason, and never a second one', async () => {
    const { hh, next } = await protectedPosition((n) => n.l);
    h = hh;
    h.market.step(1);
    await settle();
    h.market.step(3);
    await settle();
    const sent = exits(h);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'market', qty: 0.01, origin: 'strategy', status: 'filled' });
    expect(sent[0]?.reason).toBe(`local stop watchdog: stop hit at ${next.l} (stop ${next.l})`);
    expect(h.engine.state.positions.has(SYMBOL)).toBe(false);
    expect(h.store.listAudit(100).some((a) => a.kind === 'signal' && a.message.includes('local stop watchdog: stop hit'))).toBe(true);
    // flat with nothing pending: the levels are dropped
    expect(h.store.getMeta<Record<string, unknown>>(PROTECTION_META_KEY)).toEqual({});
  });

  it('three bars through the stop in one turn still make one exit', async () => {
    const { hh } = await protectedPosition((_n, following) => Math.max(...following.map((b) => b.l)));
    h = hh;
    h.market.step(1);
    h.market.step(1);
    h.market.step(1);
    await settle();
    expect(exits(h)).toHaveLength(1);
    expect(h.engine.state.positions.has(SYMBOL)).toBe(false);
  });
});
