// Speed 'max' (soak tests): bars as fast as the listeners take them, in batches sized to a short
// turn, with the event loop free between batches, and waiting while the consumer is backlogged.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_SYMBOLS, syntheticSymbols } from '../../../engine/sim/instruments';
import { SimMarket } from '../../../engine/sim/SimMarket';
import { TestClock } from './harness';

let market: SimMarket | null = null;
afterEach(() => market?.stop());

const symbols = [...DEFAULT_SIM_SYMBOLS, ...syntheticSymbols(43)];

describe("simulated market at speed 'max'", () => {
  it('delivers whole steps in bounded batches and lets timers run between them', async () => {
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
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20 * symbols.length); // FULL_SPEED_MAX_STEPS steps at most
    expect(sizes.every((n) => n > 0 && n % symbols.length === 0)).toBe(true); // whole steps: every symbol advances together
    expect(delivered).toBeGreaterThan(0);
    // stopped means stopped: no batch after stop()
    const after = sizes.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(sizes.length).toBe(after);
  });

  it('batches shrink when the listener is slow, so a turn stays short', async () => {
    market = new SimMarket({ seed: 1, speed: 'max', symbols, clock: new TestClock(), historyBars: 10 });
    const sizes: number[] = [];
    market.onBars((batch) => {
      sizes.push(batch.length);
      const until = performance.now() + batch.length / symbols.length; // 1 ms per step: a slow engine
      while (performance.now() < until) {
        // busy: the engine at work
      }
    });
    market.start();
    await new Promise((r) => setTimeout(r, 60));
    market.stop();
    // 20 steps of 1 ms+ each would be a 20 ms turn; the sizing brings it down to about 2 ms
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(sizes.at(-1)).toBeLessThanOrEqual(3 * symbols.length);
  });

  it('waits while the consumer says it is backlogged, and resumes when it has caught up', async () => {
    market = new SimMarket({ seed: 1, speed: 'max', symbols, clock: new TestClock(), historyBars: 10 });
    let backlogged = true;
    let batches = 0;
    market.setBackpressure(() => backlogged);
    market.onBars(() => batches++);
    market.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(batches).toBe(0);
    expect(market.running).toBe(true);
    backlogged = false;
    await new Promise((r) => setTimeout(r, 30));
    expect(batches).toBeGreaterThan(0);
    market.stop();
    expect(market.running).toBe(false);
    const after = batches;
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toBe(after);
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
