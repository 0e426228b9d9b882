// The regime detector on a crafted path: a quiet range, a steady climb, a steady fall, then
// wide bars; each phase must be recognised once its indicators have caught up.
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../../engine/domain/types';
import { RegimeDetector } from '../../../engine/strategies/regime';

function path(): { bars: Bar[]; phaseEnds: Record<string, number> } {
  const bars: Bar[] = [];
  let c = 100;
  const push = (close: number, halfRange: number): void => {
    bars.push({ t: bars.length * 86_400_000, o: c, h: Math.max(c, close) + halfRange, l: Math.min(c, close) - halfRange, c: close, v: 1 });
    c = close;
  };
  for (let i = 0; i < 30; i++) push(100 + (i % 2 ? 0.2 : -0.2), 0.5);
  const range = bars.length - 1;
  for (let i = 0; i < 15; i++) push(c * 1.005, 0.5);
  const up = bars.length - 1;
  for (let i = 0; i < 20; i++) push(c * 0.995, 0.5);
  const down = bars.length - 1;
  for (let i = 0; i < 4; i++) push(c + (i % 2 ? 4 : -4), 5);
  const volatile = bars.length - 1;
  return { bars, phaseEnds: { range, up, down, volatile } };
}

describe('RegimeDetector', () => {
  const params = { trendPeriod: 5, slopeBars: 3, slopePct: 0.01, atrPeriod: 3, volLookback: 10, volRatio: 1.5 };

  it('reads range, then trend-up, then trend-down, then high-volatility at the end of each phase', () => {
    const { bars, phaseEnds } = path();
    const d = new RegimeDetector(params);
    const seen = bars.map((b) => d.update(b));
    expect(seen[phaseEnds.range!]).toBe('range');
    expect(seen[phaseEnds.up!]).toBe('trend-up');
    expect(seen[phaseEnds.down!]).toBe('trend-down');
    expect(seen[phaseEnds.volatile!]).toBe('high-volatility');
  });

  it("is 'unknown' until its warm-up (max(5 + 3, 3 + 10) = 13 bars) has passed", () => {
    const d = new RegimeDetector(params);
    const seen = path().bars.map((b) => d.update(b));
    expect(d.warmup).toBe(13);
    expect(seen.slice(0, 12).every((r) => r === 'unknown')).toBe(true);
    expect(seen[12]).not.toBe('unknown');
  });

  it('refuses out-of-range settings, naming the range', () => {
    expect(() => new RegimeDetector({ volRatio: 0.5 })).toThrow(/volRatio .* between 1.1 and 5, got 0.5/);
  });
});
