// The shared token bucket: the sliding-window guarantee, FIFO within a priority, urgent first,
// aborts. Real timers on a shrunken window (100 ms stands for a minute).
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../engine/adapters/alpaca/rateLimiter';

describe('TokenBucket', () => {
  it('admits a burst of 20% at once, then refills so that no window ever holds more than the limit', async () => {
    const b = new TokenBucket({ perMinute: 50, windowMs: 200, burstFraction: 0.2, urgentReserve: 0 });
    expect(b.capacity).toBe(10);
    const times: number[] = [];
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 100 }, () => b.acquire().then(() => times.push(Date.now() - t0))));
    expect(times.filter((t) => t < 5)).toHaveLength(10);
    for (const start of times) expect(times.filter((t) => t >= start && t < start + 200).length).toBeLessThanOrEqual(50);
    expect(b.peak).toBeLessThanOrEqual(50);
    expect(b.peak).toBeGreaterThan(40);
    // (100 - 10) tokens at 40 per 200 ms
    expect(times[times.length - 1]).toBeGreaterThanOrEqual(440);
  });

  it('keeps a reserve that routine traffic cannot spend, so an emergency request never waits behind it', async () => {
    const b = new TokenBucket({ perMinute: 60, windowMs: 60_000, burstFraction: 0.5, urgentReserve: 3 });
    expect(b.capacity).toBe(30);
    let routine = 0;
    const pending = Array.from({ length: 40 }, () => b.acquire('normal').then(() => routine++));
    await new Promise((r) => setTimeout(r, 20));
    expect(routine).toBe(27); // 30 tokens, 3 held back
    const t0 = Date.now();
    await Promise.all([b.acquire('urgent'), b.acquire('urgent'), b.acquire('urgent')]);
    expect(Date.now() - t0).toBeLessThan(20);
    b.close();
    await Promise.allSettled(pending);
  });

  it('serves waiters in order, urgent ones before routine ones', async () => {
    const b = new TokenBucket({ perMinute: 10, windowMs: 100, burstFraction: 0.1 });
    await b.acquire();
    const order: string[] = [];
    const normal = [1, 2, 3].map((i) => b.acquire('normal').then(() => order.push(`n${i}`)));
    const urgent = [1, 2].map((i) => b.acquire('urgent').then(() => order.push(`u${i}`)));
    await Promise.all([...normal, ...urgent]);
    expect(order).toEqual(['u1', 'u2', 'n1', 'n2', 'n3']);
  });

  it('an aborted wait rejects and gives its place up; close() rejects the rest', async () => {
    const b = new TokenBucket({ perMinute: 2, windowMs: 60_000, burstFraction: 0.5 });
    await b.acquire();
    const ctl = new AbortController();
    const aborted = b.acquire('normal', ctl.signal);
    const closed = b.acquire();
    ctl.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    expect(b.waiting).toBe(1);
    b.close();
    await expect(closed).rejects.toThrow(/closed/);
    expect(b.admitted).toBe(1);
  });
});
