// Repeated risk denials (the order-rate limit on a fast feed denies every signal) are written
// once in full and then as one counted row per window, not as thousands of identical rows.
import { afterEach, describe, expect, it } from 'vitest';
import { RISK_DENIAL_AUDIT_WINDOW_MS } from '../../../engine/Engine';
import { makeHarness, settle, type Harness } from './harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h?.cleanup();
  h = null;
});

type Deny = (symbol: string, side: string, rule: string, message: string, why: unknown) => void;
const denyOf = (hh: Harness): Deny => {
  const e = hh.engine as unknown as { auditDenial: Deny };
  return (...args) => e.auditDenial(...args);
};
const denials = (hh: Harness) => hh.store.listAuditOfKind('risk_denied', 100).reverse();

describe('risk denial audit', () => {
  it('writes the first denial of a kind in full, counts the repeats, and writes the count once the window has passed', async () => {
    h = await makeHarness();
    const deny = denyOf(h);
    for (let i = 0; i < 500; i++) {
      deny('AAPL', 'buy', 'order_rate', `BUY 3 AAPL denied: too many orders (${i})`, { i });
      h.clock.advance(10);
    }
    deny('MSFT', 'buy', 'order_rate', 'BUY 2 MSFT denied: too many orders', { other: true });
    await settle();
    expect(denials(h).map((a) => a.message)).toEqual(['BUY 3 AAPL denied: too many orders (0)', 'BUY 2 MSFT denied: too many orders']);
    expect(denials(h)[0]?.data).toEqual({ i: 0 });
    // the housekeeping tick after the window writes the count, with the last message
    h.clock.advance(RISK_DENIAL_AUDIT_WINDOW_MS);
    h.engine.tick();
    await settle();
    const rows = denials(h);
    expect(rows).toHaveLength(3);
    expect(rows[2]?.message).toMatch(/^499 more BUY AAPL denials by order_rate between .* the last: BUY 3 AAPL denied: too many orders \(499\)$/);
    expect(rows[2]?.data).toMatchObject({ symbol: 'AAPL', side: 'buy', rule: 'order_rate', count: 499 });
    // a new denial after the window is written in full again
    deny('AAPL', 'buy', 'order_rate', 'BUY 3 AAPL denied: again', {});
    await settle();
    expect(denials(h).at(-1)?.message).toBe('BUY 3 AAPL denied: again');
  });

  it('keeps kinds apart (another rule or side is written in full) and writes pending counts at shutdown', async () => {
    h = await makeHarness();
    const deny = denyOf(h);
    deny('AAPL', 'buy', 'order_rate', 'a', {});
    deny('AAPL', 'buy', 'order_rate', 'b', {});
    deny('AAPL', 'sell', 'order_rate', 'c', {});
    deny('AAPL', 'buy', 'max_open_positions', 'd', {});
    await settle();
    expect(denials(h).map((a) => a.message)).toEqual(['a', 'c', 'd']);
    const dir = h.dir;
    await h.close();
    const { SqliteStore } = await import('../../../db/SqliteStore');
    const store = SqliteStore.open(dir);
    try {
      const rows = store.listAuditOfKind('risk_denied', 10).reverse();
      expect(rows.map((r) => r.message.slice(0, 30))).toEqual(['a', 'c', 'd', '1 more BUY AAPL denial by orde']);
    } finally {
      store.close();
    }
  });
});
