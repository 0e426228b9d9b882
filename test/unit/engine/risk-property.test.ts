// Property: across random sequences of strategy signals, manual orders, time jumps and restarts,
// no risk limit is ever exceeded by what was sent. Checked where it matters: at the moment the
// broker receives each order, against the engine's state at that moment.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../engine/Engine';
import type { Broker, BrokerOrderRequest } from '../../../engine/ports';
import { MAX_ORDERS_PER_MINUTE, MAX_ORDERS_PER_SECOND, isReducing } from '../../../engine/risk/RiskEngine';
import { FaultyBroker } from './faultyBroker';
import { makeHarness, settle, type Harness } from './harness';

const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'TSLA', 'BTC/USD', 'ETH/USD'] as const;

type Cmd =
  | { kind: 'bars'; n: number }
  | { kind: 'manual'; symbol: (typeof SYMBOLS)[number]; side: 'buy' | 'sell'; qty: number }
  | { kind: 'clock'; ms: number }
  | { kind: 'restart' }
  | { kind: 'mode'; autonomous: boolean };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('bars' as const), n: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('manual' as const), symbol: fc.constantFrom(...SYMBOLS), side: fc.constantFrom('buy' as const, 'sell' as const), qty: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('clock' as const), ms: fc.integer({ min: 0, max: 5000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mode' as const), autonomous: fc.boolean() }) },
);

/** Sees every order the moment it is sent and records any limit it breaks. */
class LimitWatcher extends FaultyBroker {
  engine: Engine | null = null;
  readonly violations: string[] = [];
  readonly sentAt: number[] = [];
  constructor(inner: Broker, private readonly now: () => number) {
    super(inner);
  }
  override async submitOrder(req: BrokerOrderRequest) {
    const e = this.engine;
    if (e) this.check(e, req);
    return super.submitOrder(req);
  }
  private check(e: Engine, req: BrokerOrderRequest): void {
    const s = e.state;
    const r = s.settings.risk;
    const t = this.now();
    const pos = s.positions.get(req.symbol);
    const reducing = isReducing(pos, req.side, req.qty);
    const tag = `${req.side} ${req.qty} ${req.symbol}`;
    if (s.tradingState.state === 'halted') this.violations.push(`${tag} sent while halted`);
    if (s.tradingState.state === 'reducing' && !reducing) this.violations.push(`${tag} opens exposure while reducing`);
    this.sentAt.push(t);
    const lastSec = this.sentAt.filter((x) => x > t - 1000).length;
    const lastMin = this.sentAt.filter((x) => x > t - 60_000).length;
    if (lastSec > MAX_ORDERS_PER_SECOND) this.violations.push(`${tag}: ${lastSec} orders within a second`);
    if (lastMin > MAX_ORDERS_PER_MINUTE) this.violations.push(`${tag}: ${lastMin} orders within a minute`);
    if (reducing) return;
    const price = req.limitPrice ?? e.state.account.equity; // overwritten below for market orders
    const last = (this.lastPrice?.(req.symbol) ?? price) as number;
    const signed = req.side === 'buy' ? req.qty : -req.qty;
    const notional = Math.abs((pos?.qty ?? 0) + signed) * last;
    const equity = s.account.equity;
    if (notional > r.maxPositionNotionalPct * equity * 1.0001) this.violations.push(`${tag}: position ${notional.toFixed(2)} > ${(r.maxPositionNotionalPct * equity).toFixed(2)}`);
    // every symbol with a position or a working order counts, this one included
    const held = new Set<string>([req.symbol]);
    for (const p of s.positions.values()) if (p.qty !== 0) held.add(p.symbol);
    for (const o of s.openOrders.values()) if (o.clientOrderId !== req.clientOrderId) held.add(o.symbol);
    if (held.size > r.maxOpenPositions) this.violations.push(`${tag}: ${held.size} positions/working orders > ${r.maxOpenPositions}`);
  }
  lastPrice: ((s: string) => number | null) | null = null;
}

describe('property: nothing sent ever exceeds a risk limit', () => {
  it('holds across random signals, manual orders, time jumps and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 40 }), fc.integer({ min: 1, max: 10_000 }), async (cmds, seed) => {
        let watcher: LimitWatcher | null = null;
        const wrap = (b: Broker) => {
          const w = new LimitWatcher(b, () => h.clock.now());
          w.violations.push(...(watcher?.violations ?? []));
          w.sentAt.push(...(watcher?.sentAt ?? []));
          watcher = w;
          return w;
        };
        let h: Harness = await makeHarness({ seed, wrapBroker: wrap });
        const attach = () => {
          watcher!.engine = h.engine;
          watcher!.lastPrice = (s) => h.market.lastPrice(s);
        };
        attach();
        try {
          await h.engine.dispatch('settings:update', { patch: { strategy: { symbols: [...SYMBOLS] } } });
          for (const c of cmds) {
            switch (c.kind) {
              case 'bars':
                for (let i = 0; i < c.n; i++) {
                  h.clock.advance(250);
                  h.market.step(1);
                  await settle(1);
                }
                break;
              case 'manual':
                await h.engine.dispatch('orders:submit', { symbol: c.symbol, side: c.side, qty: c.symbol.includes('/') ? c.qty / 100 : c.qty, type: 'market' });
                break;
              case 'clock':
                h.clock.advance(c.ms);
                break;
              case 'restart':
                h = await h.restart();
                attach();
                break;
              case 'mode':
                await h.engine.dispatch('supervisor:set_mode', { mode: c.autonomous ? 'autonomous' : 'manual' });
                break;
            }
            await settle(2);
          }
          expect(watcher!.violations).toEqual([]);
        } finally {
          await h.close();
          h.cleanup();
        }
      }),
      { numRuns: 30 },
    );
  }, 240_000);
});
