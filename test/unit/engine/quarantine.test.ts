// Market data validation: bad bars (NaN, zero, negative, inconsistent, duplicate, out of order,
// absurd jumps, gaps) are quarantined with a reason and never reach a decision; good bars around
// them flow as before. The engine tests inject bad bars between the simulator and the engine, as
// a damaged feed would: the simulated broker keeps trading on the real prices.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert, Bar } from '../../../engine/domain/types';
import { BarValidator, DEFAULT_BAR_VALIDATION, intrinsicProblem, validHistory, type BarValidationOptions } from '../../../engine/data/barValidation';
import { ValidatedMarketData, type QuarantinedBar } from '../../../engine/data/ValidatedMarketData';
import type { MarketData } from '../../../engine/ports';
import type { SimMarket } from '../../../engine/sim/SimMarket';
import { PROTECTION_META_KEY } from '../../../engine/Engine';
import { makeHarness, settle, type Harness } from './harness';

const MIN = 60_000;
const OPTS: BarValidationOptions = { ...DEFAULT_BAR_VALIDATION, timeframeMs: MIN };
const T0 = Date.UTC(2026, 0, 5, 15, 0);
const bar = (i: number, c: number, over: Partial<Bar> = {}): Bar => ({ t: T0 + i * MIN, o: c, h: c * 1.001, l: c * 0.999, c, v: 100, ...over });

describe('bar validation rules', () => {
  it('names what is wrong with a bar on its own', () => {
    expect(intrinsicProblem(bar(0, 100))).toBeNull();
    expect(intrinsicProblem(bar(0, Number.NaN))).toMatchObject({ code: 'not_a_number', reason: expect.stringMatching(/open is NaN/) });
    expect(intrinsicProblem(bar(0, 100, { h: Infinity }))).toMatchObject({ code: 'not_a_number', reason: expect.stringMatching(/high is Infinity/) });
    expect(intrinsicProblem(bar(0, 100, { v: Number.NaN }))).toMatchObject({ code: 'not_a_number', reason: expect.stringMatching(/volume/) });
    expect(intrinsicProblem(bar(0, 100, { c: 0, l: 0 }))).toMatchObject({ code: 'non_positive', reason: expect.stringMatching(/low is 0/) });
    expect(intrinsicProblem(bar(0, 100, { l: -5 }))).toMatchObject({ code: 'non_positive' });
    expect(intrinsicProblem(bar(0, 100, { v: -1 }))).toMatchObject({ code: 'negative_volume', reason: expect.stringMatching(/volume is -1/) });
    expect(intrinsicProblem(bar(0, 100, { h: 99 }))).toMatchObject({ code: 'inconsistent_range' });
    expect(intrinsicProblem(bar(0, 100, { l: 100.5 }))).toMatchObject({ code: 'inconsistent_range' });
    expect(intrinsicProblem({ ...bar(0, 100), c: '100' as unknown as number })).toMatchObject({ code: 'not_a_number' });
  });

  it('quarantines duplicates, bars out of order, absurd jumps and the first bar after a gap, each with its reason', () => {
    const v = new BarValidator(OPTS);
    expect(v.check('X', bar(0, 100))).toBeNull();
    expect(v.check('X', bar(1, 101))).toBeNull();
    expect(v.check('X', bar(1, 101))).toMatchObject({ code: 'duplicate' });
    expect(v.check('X', bar(0, 100))).toMatchObject({ code: 'out_of_order', reason: expect.stringMatching(/arrived after/) });
    expect(v.check('X', bar(2, 180))).toMatchObject({ code: 'absurd_jump', reason: expect.stringMatching(/78\.\d% from the previous close 101/) });
    // the spike was not accepted: the next normal bar is checked against 101, not 180
    expect(v.check('X', bar(3, 102))).toBeNull();
    expect(v.check('X', bar(3 + OPTS.maxGapBars + 2, 102))).toMatchObject({ code: 'gap', reason: expect.stringMatching(/31 bars missing/) });
    // the stream resumes from the bar after the gap
    expect(v.check('X', bar(3 + OPTS.maxGapBars + 3, 102.5))).toBeNull();
    // a spike of the low alone is a jump too (a bad print inside the bar)
    expect(v.check('X', bar(50, 102, { l: 10 }))).toMatchObject({ code: 'absurd_jump' });
  });

  it('accepts a genuine new price level once enough bars agree with it (a split), and not a lone spike', () => {
    const v = new BarValidator(OPTS);
    v.check('X', bar(0, 200));
    expect(v.check('X', bar(1, 100))?.reason).toMatch(/2 more bar\(s\) at the new level will confirm it/);
    expect(v.check('X', bar(2, 100.5))?.reason).toMatch(/1 more bar/);
    expect(v.check('X', bar(3, 100.2))).toBeNull();
    expect(v.anchor('X')).toEqual({ t: bar(3, 0).t, c: 100.2 });
    // spikes that do not agree with each other never establish a level
    const w = new BarValidator(OPTS);
    w.check('Y', bar(0, 100));
    for (let i = 1; i < 20; i++) expect(w.check('Y', bar(i, i % 2 ? 300 : 20))).toMatchObject({ code: 'absurd_jump' });
    expect(w.anchor('Y')?.c).toBe(100);
  });

  it('property: whatever a feed sends, accepted bars are well-formed, strictly in time order and never jump beyond the limit unconfirmed', () => {
    const price = fc.oneof(fc.double({ min: 50, max: 150, noNaN: true }), fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -10, 1e9, 1e-9));
    const item = fc.record({ dt: fc.integer({ min: -3, max: 40 }), c: price, bad: fc.constantFrom('none', 'none', 'none', 'highBelow', 'negVol') });
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 200 }), (items) => {
        const v = new BarValidator(OPTS);
        let t = T0;
        let prev: Bar | null = null;
        const run: Bar[] = [];
        for (const it of items) {
          t += it.dt * MIN;
          const b: Bar = { t, o: it.c, h: it.bad === 'highBelow' ? it.c * 0.5 : it.c * 1.001, l: it.c * 0.999, c: it.c, v: it.bad === 'negVol' ? -1 : 10 };
          const problem = v.check('S', b);
          if (problem !== null) {
            if (problem.code === 'absurd_jump') run.push(b);
            else if (problem.code !== 'gap') continue;
          }
          if (problem === null || problem.code === 'gap') {
            expect(intrinsicProblem(b)).toBeNull();
            if (prev) expect(b.t).toBeGreaterThan(prev.t);
            const jump = prev ? Math.abs(b.c / prev.c - 1) : 0;
            // an accepted jump needs the confirming run behind it
            if (problem === null && jump > OPTS.maxJump) expect(run.length).toBeGreaterThanOrEqual(OPTS.confirmBars - 1);
            prev = b;
            run.length = 0;
          }
        }
      }),
      { seed: 20261121, numRuns: 300 },
    );
  });

  it('history keeps the valid bars, in order, and the bar after a gap', () => {
    const h = [bar(0, 100), bar(1, Number.NaN), bar(2, 101), bar(2, 101), bar(40, 102), bar(41, 500), bar(42, 102.5)];
    expect(validHistory(h, OPTS).map((b) => b.c)).toEqual([100, 101, 102, 102.5]);
  });
});

describe('ValidatedMarketData', () => {
  function inner(history: Bar[], last: number | null) {
    let listener: ((batch: { symbol: string; bar: Bar }[]) => void) | null = null;
    const m: MarketData = {
      timeframe: '1Min',
      instruments: () => [],
      history: (_s, limit) => history.slice(-limit),
      lastPrice: () => last,
      onBars: (l) => ((listener = l), () => (listener = null)),
      start: () => undefined,
      stop: () => undefined,
    };
    return { m, push: (b: Bar) => listener?.([{ symbol: 'X', bar: b }]) };
  }

  it('prices from good bars only: a bad last price of the feed falls back to the last valid bar', () => {
    const { m } = inner([bar(0, 100), bar(1, 101), bar(2, Number.NaN)], Number.NaN);
    expect(new ValidatedMarketData(m, () => undefined).lastPrice('X')).toBe(101);
    const spiked = inner([bar(0, 100), bar(1, 101)], 5000);
    expect(new ValidatedMarketData(spiked.m, () => undefined).lastPrice('X')).toBe(101);
    expect(new ValidatedMarketData(m, () => undefined).history('X', 10).map((b) => b.c)).toEqual([100, 101]);
  });

  it('delivers the good bars of a batch, reports the bad ones, and checks the first live bar against history', () => {
    const { m, push } = inner([bar(0, 100), bar(1, 101)], 101);
    const v = new ValidatedMarketData(m, (q) => bad.push(...q));
    const bad: QuarantinedBar[] = [];
    const got: Bar[] = [];
    v.onBars((batch) => got.push(...batch.map((b) => b.bar)));
    v.seedFromHistory(['X']);
    push(bar(1, 101)); // the last historical bar again
    push(bar(2, 102));
    push(bar(3, 1e6));
    expect(got.map((b) => b.c)).toEqual([102]);
    expect(bad.map((b) => b.code)).toEqual(['duplicate', 'absurd_jump']);
    expect(v.lastPrice('X')).toBe(102);
  });
});

/** The simulator's feed, with a hand that can slip bad bars into it on the way to the engine. */
class TamperedFeed implements MarketData {
  readonly timeframe: MarketData['timeframe'];
  private readonly listeners = new Set<(batch: { symbol: string; bar: Bar }[]) => void>();
  constructor(readonly sim: SimMarket) {
    this.timeframe = sim.timeframe;
    sim.onBars((batch) => this.deliver(batch));
  }
  instruments() {
    return this.sim.instruments();
  }
  history(symbol: string, limit: number) {
    return this.sim.history(symbol, limit);
  }
  lastPrice(symbol: string) {
    return this.sim.lastPrice(symbol);
  }
  onBars(l: (batch: { symbol: string; bar: Bar }[]) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  start() {
    this.sim.start();
  }
  stop() {
    this.sim.stop();
  }
  deliver(batch: { symbol: string; bar: Bar }[]) {
    for (const l of this.listeners) l(batch);
  }
}

describe('the engine on a damaged feed', () => {
  let h: Harness | null = null;
  let feed: TamperedFeed;
  afterEach(async () => {
    await h?.close();
    h?.cleanup();
    h = null;
  });
  async function start(): Promise<Harness> {
    h = await makeHarness({ wrapMarket: (m) => (feed = new TamperedFeed(m)) });
    return h;
  }
  const last = (symbol: string) => feed.sim.lastBar(symbol) as Bar;

  it('quarantines every kind of bad bar with its reason: nothing decided, charted or priced on it, trading stays active', async () => {
    const h = await start();
    await h.engine.dispatch('supervisor:set_mode', { mode: 'autonomous' });
    for (let i = 0; i < 30; i++) {
      h.clock.advance(100);
      h.market.step();
    }
    await settle();
    const before = { orders: h.store.listOrders('all', 10_000).length, approvals: h.engine.state.approvals.size, signals: h.store.listAuditOfKind('signal', 10_000).length };
    const equityBefore = h.engine.state.account.equity;
    const a = last('AAPL');
    const tf = MIN;
    const bad: { symbol: string; bar: Bar }[] = [
      { symbol: 'AAPL', bar: { ...a, t: a.t + tf, c: Number.NaN } },
      { symbol: 'AAPL', bar: { ...a, t: a.t + tf, o: 0, l: 0 } },
      { symbol: 'AAPL', bar: { ...a, t: a.t + tf, o: -1, h: a.h, l: -2, c: -1 } },
      { symbol: 'AAPL', bar: { ...a } }, // the same bar again
      { symbol: 'AAPL', bar: { ...a, t: a.t - tf } },
      { symbol: 'AAPL', bar: { t: a.t + tf, o: a.c * 10, h: a.c * 10, l: a.c * 10, c: a.c * 10, v: 5 } },
      { symbol: 'AAPL', bar: { t: a.t + tf, o: a.c, h: a.c, l: a.c * 0.01, c: a.c, v: 5 } },
      { symbol: 'AAPL', bar: { ...a, t: a.t + tf, v: -3 } },
    ];
    const ticks: Bar[] = [];
    h.engine.subscribe((e) => {
      if (e.name === 'bars:tick') for (const t of e.payload.ticks) ticks.push(t.bar);
    });
    for (const b of bad) {
      h.clock.advance(100);
      feed.deliver([b]);
    }
    await settle();
    expect(ticks).toEqual([]);
    const audit = h.store.listAuditOfKind('data_quarantined', 100);
    expect(audit).toHaveLength(bad.length);
    expect(audit.map((e) => (e.data as QuarantinedBar).code).reverse()).toEqual(['not_a_number', 'non_positive', 'non_positive', 'duplicate', 'out_of_order', 'absurd_jump', 'absurd_jump', 'negative_volume']);
    for (const e of audit) expect(e.message).toMatch(/^AAPL bar for .* quarantined, not traded on: .+/);
    // nothing was decided on them, prices and equity are the good ones, no breaker tripped
    expect(h.store.listOrders('all', 10_000).length).toBe(before.orders);
    expect(h.engine.state.approvals.size).toBe(before.approvals);
    expect(h.store.listAuditOfKind('signal', 10_000).length).toBe(before.signals);
    expect(h.engine.state.account.equity).toBe(equityBefore);
    expect(h.engine.state.tradingState.state).toBe('active');
    const alerts = await h.engine.dispatch('alerts:list', { limit: 10 });
    expect(alerts.ok && (alerts.value as Alert[]).filter((x) => x.kind === 'data_quarantined')).toHaveLength(1); // one per symbol per 5 min
    const readiness = h.engine.readiness().find((i) => i.id === 'market_data_valid');
    expect(readiness).toMatchObject({ status: 'warn', evidence: expect.stringMatching(/AAPL 8; latest AAPL: volume is -3/) });
    // the feed recovers: the next good bar flows again and the charts get it
    h.clock.advance(100);
    h.market.step();
    await settle();
    expect(ticks.some((t) => t.t === a.t + tf)).toBe(true);
  });

  it('a feed spewing bad bars cannot flood the audit log or the alerts, and the quarantine survives a restart', async () => {
    let hh = await start();
    const a = last('MSFT');
    for (let i = 0; i < 1000; i++) feed.deliver([{ symbol: 'MSFT', bar: { ...a, t: a.t + MIN * (i + 1), c: Number.NaN } }]);
    await settle();
    expect(hh.engine.state.dataQuarantine.total).toBe(1000);
    expect(hh.engine.state.dataQuarantine.recent).toHaveLength(20);
    expect(hh.store.listAuditOfKind('data_quarantined', 2000)).toHaveLength(10);
    // a minute later the next one is recorded, with the count of those that were not
    hh.clock.advance(61_000);
    feed.deliver([{ symbol: 'MSFT', bar: { ...a, t: a.t + MIN * 2000, c: Number.NaN } }]);
    await settle();
    const latest = hh.store.listAuditOfKind('data_quarantined', 1)[0];
    expect(latest?.message).toMatch(/\(990 earlier quarantined bar\(s\) of MSFT were counted but not recorded one by one\)/);
    expect(hh.store.listAuditOfKind('alert', 100).filter((x) => /MSFT/.test(x.message))).toHaveLength(1);
    hh = await hh.restart();
    h = hh;
    expect(hh.store.listAuditOfKind('data_quarantined', 2000)).toHaveLength(11);
  });

  it('a protective stop is never triggered by a bad print', async () => {
    let hh = await start();
    const symbol = 'BTC/USD';
    const price = feed.sim.lastPrice(symbol) as number;
    const r = await hh.engine.orders.submit({ intentKey: 'q-entry', symbol, side: 'buy', type: 'market', qty: 0.01, limitPrice: null, origin: 'strategy', strategyId: 'sma-cross', reason: 'test entry', refPrice: price, barTime: 1 });
    if (!r.ok) throw new Error(r.error.message);
    await settle();
    hh.store.setMeta(PROTECTION_META_KEY, { [symbol]: { stop: Math.round(price * 0.9), target: price * 3, kind: 'local-watchdog' } });
    hh = await hh.restart();
    h = hh;
    const exits = () => hh.store.listOrders('all', 100).filter((o) => o.symbol === symbol && o.side === 'sell');
    const a = last(symbol);
    feed.deliver([{ symbol, bar: { t: a.t + MIN, o: a.c, h: a.c, l: a.c * 0.2, c: a.c, v: 1 } }]); // a bad print far through the stop
    feed.deliver([{ symbol, bar: { t: a.t + MIN, o: a.c, h: a.c, l: Number.NaN, c: a.c, v: 1 } }]);
    feed.deliver([{ symbol, bar: { t: a.t + MIN, o: a.c * 0.5, h: a.c * 0.5, l: a.c * 0.5, c: a.c * 0.5, v: 1 } }]);
    await settle();
    expect(hh.engine.state.dataQuarantine.total).toBe(3);
    expect(exits()).toHaveLength(0);
    expect(hh.engine.state.positions.get(symbol)?.qty).toBe(0.01);
    // the position is still marked at the last good price
    expect(hh.engine.snapshot().positions.find((p) => p.symbol === symbol)?.lastPrice).toBe(a.c);
  });

  it('a split-like new level is accepted after 3 agreeing bars, the two before it quarantined', async () => {
    const h = await start();
    const ticks: Bar[] = [];
    h.engine.subscribe((e) => {
      if (e.name === 'bars:tick') for (const t of e.payload.ticks) if (t.symbol === 'AAPL') ticks.push(t.bar);
    });
    const a = last('AAPL');
    const level = a.c / 2;
    for (let i = 1; i <= 3; i++) feed.deliver([{ symbol: 'AAPL', bar: { t: a.t + MIN * i, o: level, h: level * 1.001, l: level * 0.999, c: level, v: 10 } }]);
    await settle();
    expect(ticks.map((b) => b.t)).toEqual([a.t + MIN * 3]);
    expect(h.engine.state.dataQuarantine.total).toBe(2);
  });
});
