// Ensemble voting and regime gating, with scripted members so each rule is visible.
import { describe, expect, it } from 'vitest';
import { Ensemble } from '../../../engine/strategies/ensemble';
import { vote } from '../../../engine/strategies/ensembleVote';
import { buildStrategy } from '../../../engine/strategies/registry';
import { RegimeGate } from '../../../engine/strategies/regimeGate';
import type { Regime, RegimeSource } from '../../../engine/strategies/regime';
import { directions, signals } from './feed';
import { ScriptedStrategy } from './scripted';

const flatCloses = (n: number): number[] => Array.from({ length: n }, () => 100);

describe('Ensemble', () => {
  it('consensus 2 of 3: long once two agree, flat on any conflict, long again when the dissenter stands aside', () => {
    const members = [
      new ScriptedStrategy('a', { 1: 'long' }),
      new ScriptedStrategy('b', { 2: 'long' }),
      new ScriptedStrategy('c', { 3: 'short', 4: 'flat' }),
    ];
    const got = signals(new Ensemble(members, { kind: 'consensus', k: 2 }), flatCloses(6));
    expect(directions(got)).toEqual([
      [2, 'long'],
      [3, 'flat'],
      [4, 'long'],
    ]);
    expect(got[1]![1].reason).toBe('ensemble (consensus) -> flat [a: long, b: long, c: short]');
  });

  it('confidence 0.6 of 3: 2 long / 0 short (0.67) trades, 2 long / 1 short (0.33) does not', () => {
    const members = [new ScriptedStrategy('a', { 0: 'long' }), new ScriptedStrategy('b', { 1: 'long' }), new ScriptedStrategy('c', { 2: 'short' })];
    const got = signals(new Ensemble(members, { kind: 'confidence', threshold: 0.6 }), flatCloses(4));
    expect(directions(got)).toEqual([
      [1, 'long'],
      [2, 'flat'],
    ]);
  });

  it('weighted vote follows the member whose stance earned money recently, and nobody before any evidence', () => {
    const members = [new ScriptedStrategy('bull', { 0: 'long' }), new ScriptedStrategy('bear', { 0: 'short' })];
    // +1%: bull earned, bear lost -> long; then -2.9%: over 2 bars bear is ahead -> short
    const got = signals(new Ensemble(members, { kind: 'weighted', lookback: 2, threshold: 0.5 }), [100, 101, 98]);
    expect(directions(got)).toEqual([
      [1, 'long'],
      [2, 'short'],
    ]);
  });

  it('weighted vote with running sums decides exactly as summing each member\'s whole window every bar', () => {
    // the model: weights as the sum of the last `lookback` stance returns, recomputed in full
    const model = (closes: number[], scripts: Record<number, 'long' | 'short' | 'flat'>[], lookback: number, threshold: number) => {
      const stances: ('long' | 'short' | 'flat')[] = scripts.map(() => 'flat');
      const hist: number[][] = scripts.map(() => []);
      let stance = 'flat';
      const out: [number, string][] = [];
      closes.forEach((c, i) => {
        if (i > 0) stances.forEach((s, m) => hist[m]!.push((s === 'long' ? 1 : s === 'short' ? -1 : 0) * (c / closes[i - 1]! - 1)));
        scripts.forEach((sc, m) => sc[i] && (stances[m] = sc[i]!));
        const w = hist.map((h) => Math.max(0, h.slice(-lookback).reduce((a, b) => a + b, 0)));
        const want = vote({ kind: 'weighted', lookback, threshold }, stances, w);
        if (want !== stance) out.push([i, (stance = want)]);
      });
      return out;
    };
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const closes: number[] = [];
    let px = 100;
    for (let i = 0; i < 3000; i++) closes.push((px = i % 500 < 100 ? px : px * (1 + (rnd() - 0.5) * 0.02))); // flat stretches too
    const dirs = ['long', 'short', 'flat'] as const;
    const scripts = [0, 1, 2].map(() => Object.fromEntries(Array.from({ length: 150 }, () => [Math.floor(rnd() * 3000), dirs[Math.floor(rnd() * 3)]!])));
    for (const lookback of [1, 7, 50, 400]) {
      const members = scripts.map((s, m) => new ScriptedStrategy(`m${m}`, s));
      const got = directions(signals(new Ensemble(members, { kind: 'weighted', lookback, threshold: 0.3 }), closes));
      expect(got.length).toBeGreaterThan(5);
      expect(got).toEqual(model(closes, scripts, lookback, 0.3));
    }
  });

  it('refuses k above the number of members and thresholds outside (0, 1]', () => {
    const two = () => [new ScriptedStrategy('a', {}), new ScriptedStrategy('b', {})];
    expect(() => new Ensemble(two(), { kind: 'consensus', k: 3 })).toThrow(/k must be a whole number between 1 and 2/);
    expect(() => new Ensemble(two(), { kind: 'confidence', threshold: 1.5 })).toThrow(/threshold must be in \(0, 1\], got 1.5/);
    expect(() => new Ensemble([new ScriptedStrategy('a', {})], { kind: 'consensus', k: 1 })).toThrow(/at least 2 member/);
  });

  it('buildStrategy composes catalogue strategies into an ensemble from plain data', () => {
    const s = buildStrategy({
      kind: 'ensemble',
      members: [
        { id: 'sma-cross', params: { fast: 5, slow: 10 } },
        { id: 'macd-trend', params: {} },
      ],
      mode: { kind: 'consensus', k: 2 },
    });
    expect(s.warmup).toBe(26 + 9 - 1);
  });
});

class ScriptedRegime implements RegimeSource {
  readonly warmup = 0;
  value: Regime | 'unknown' = 'unknown';
  private i = 0;
  constructor(private readonly seq: (Regime | 'unknown')[]) {}
  update(): Regime | 'unknown' {
    this.value = this.seq[this.i++] ?? this.value;
    return this.value;
  }
}

describe('RegimeGate', () => {
  it('passes the inner position only in allowed regimes: flat when the regime turns, back in when it returns', () => {
    const inner = new ScriptedStrategy('trend', { 0: 'long' });
    const regimes = new ScriptedRegime(['unknown', 'trend-up', 'high-volatility', 'trend-up', 'range']);
    const got = signals(new RegimeGate(inner, regimes, ['trend-up']), flatCloses(5));
    expect(directions(got)).toEqual([
      [1, 'long'],
      [2, 'flat'],
      [3, 'long'],
      [4, 'flat'],
    ]);
    expect(got[1]![1].reason).toBe('regime high-volatility is not allowed for trend: stand aside');
  });

  it('refuses an unknown regime name, listing the valid ones', () => {
    expect(() => new RegimeGate(new ScriptedStrategy('x', {}), new ScriptedRegime([]), ['sideways' as Regime])).toThrow(
      /unknown regime "sideways"; use trend-up, trend-down, range, high-volatility/,
    );
  });
});
