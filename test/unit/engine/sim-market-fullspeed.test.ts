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
    // the number of batches delivered each time a 1 ms timer fired (a chain of them)
    const batchesAtTimer: number[] = [];
    market.onBars((batch) => sizes.push(batch.length));
    market.start();
    expect(market.running).toBe(true);
    // Timers set while the market produces keep firing between its batches: the loop is not
    // starved. Bounded: at most 2 s of 1 ms timers, stopping once 5 batches have come. (Not a
    // fixed 20 ms wait: on a loaded machine the first, cold batch alone can take that long.)
    const deadline = performance.now() + 2000;
    while (sizes.length < 5 && performance.now() < deadline) {
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      batchesAtTimer.push(sizes.length);
    }
    // every bar is delivered by now, nothing waits in a queue
    const delivered = sizes.reduce((a, n) => a + n, 0);
    market.stop();
    expect(market.running).toBe(false);
    expect(sizes.length).toBeGreaterThanOrEqual(5);
    // timers ran between batches, not only before the first or after a stall: at least three
    // distinct batch counts were seen by timers while batches were still coming
    expect(new Set(batchesAtTimer.filter((n) => n > 0 && n < 5)).size).toBeGreaterThanOrEqual(3);
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
    // bounded: until a few batches have come (about 60 ms on an idle machine), at most 3 s
    const deadline = performance.now() + 3000;
    while (sizes.length < 6 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
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
    // bounded: the next backoff check (2 ms) resumes it; at most 3 s on a loaded machine
    const deadline = performance.now() + 3000;
    while (batches === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
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
