// Speed 'max' (soak tests): bars as fast as the listeners take them, in bounded batches, with the
// event loop free between batches.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_SYMBOLS, syntheticSymbols } from '../../../engine/sim/instruments';
import { FULL_SPEED_BARS_PER_TURN, SimMarket } from '../../../engine/sim/SimMarket';
import { TestClock } from './harness';

let market: SimMarket | null = null;
afterEach(() => market?.stop());

const symbols = [...DEFAULT_SIM_SYMBOLS, ...syntheticSymbols(43)];

describe("simulated market at speed 'max'", () => {
  it('delivers batches of at most FULL_SPEED_BARS_PER_TURN bars and lets timers run between them', async () => {
    market = new SimMarket({ seed: 1, speed: 'max', symbols, clock: new TestClock(), historyBars: 10 });
    const sizes: number[] = [];
    let batchesWhenTimerRan = -1;
    market.onBars((batch) => sizes.push(batch.length));
    market.start();
    expect(market.running).toBe(true);
    // a timer set now fires while the market is still producing: the loop is not starved
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        batchesWhenTimerRan = sizes.length;
        resolve();
      }, 20),
    );
    // every bar is delivered by now, nothing waits in a queue
    const delivered = sizes.reduce((a, n) => a + n, 0);
    market.stop();
    expect(market.running).toBe(false);
    expect(batchesWhenTimerRan).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(FULL_SPEED_BARS_PER_TURN);
    expect(sizes.every((n) => n % symbols.length === 0)).toBe(true); // whole steps: every symbol advances together
    expect(delivered).toBe(sizes.length * Math.floor(FULL_SPEED_BARS_PER_TURN / symbols.length) * symbols.length);
    // stopped means stopped: no batch after stop()
    const after = sizes.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(sizes.length).toBe(after);
  });

  it('produces the same path as the timed market (speed only changes when bars come, not which)', () => {
    const fast = new SimMarket({ seed: 3, speed: 'max', symbols: DEFAULT_SIM_SYMBOLS, clock: new TestClock(), historyBars: 50 });
    const slow = new SimMarket({ seed: 3, speed: 2, symbols: DEFAULT_SIM_SYMBOLS, clock: new TestClock(), historyBars: 50 });
    expect(fast.step(20)).toEqual(slow.step(20));
  });

  it('refuses a speed that is neither a positive number nor max, saying what it accepts', () => {
    const bad = (speed: unknown) => () => new SimMarket({ seed: 1, speed: speed as number, symbols: DEFAULT_SIM_SYMBOLS, clock: new TestClock() });
    expect(bad('fast')).toThrow(/positive number of bars per second or 'max', got fast/);
    expect(bad(-1)).toThrow(/or 'max'/);
    expect(bad(Infinity)).toThrow(/or 'max'/);
  });
});
