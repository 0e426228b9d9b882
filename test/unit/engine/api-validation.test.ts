import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
});
afterAll(async () => {
  await h.close();
  h.cleanup();
});

/** Everything a bad request could corrupt. */
function durableState() {
  const r = h.store.restore();
  return JSON.stringify({ orders: h.store.listOrders('all', 1000), fills: h.store.countFills(), r: { ...r, account: null }, submissions: h.ledger.totalSubmissions() });
}

const cases: [string, unknown, unknown, string][] = [
  ['unknown channel', 'orders:explode', {}, 'unknown_channel'],
  ['non-string channel', 42, {}, 'unknown_channel'],
  ['payload of the wrong type', 'orders:submit', 'buy AAPL', 'invalid_request'],
  ['missing fields', 'orders:submit', { symbol: 'AAPL' }, 'invalid_request'],
  ['wrong field types', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: '10', type: 'market' }, 'invalid_request'],
  ['NaN quantity', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: NaN, type: 'market' }, 'invalid_request'],
  ['Infinity quantity', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: Infinity, type: 'market' }, 'invalid_request'],
  ['negative quantity', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: -5, type: 'market' }, 'invalid_request'],
  ['zero quantity', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: 0, type: 'market' }, 'invalid_request'],
  ['huge quantity', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1e12, type: 'market' }, 'invalid_request'],
  ['unknown side', 'orders:submit', { symbol: 'AAPL', side: 'hold', qty: 1, type: 'market' }, 'invalid_request'],
  ['limit without price', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit' }, 'invalid_request'],
  ['negative limit price', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limitPrice: -1 }, 'invalid_request'],
  ['extra fields', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', leverage: 100 }, 'invalid_request'],
  ['malformed symbol', 'orders:submit', { symbol: 'aapl; drop table', side: 'buy', qty: 1, type: 'market' }, 'invalid_request'],
  ['unknown symbol', 'orders:submit', { symbol: 'ZZZZ', side: 'buy', qty: 1, type: 'market' }, 'unknown_symbol'],
  ['sub-penny limit price', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limitPrice: 100.001 }, 'invalid_request'],
  ['fractional shares', 'orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1.5, type: 'market' }, 'risk_denied'],
  ['unknown approval id', 'orders:approve', { approvalId: 'ap-does-not-exist' }, 'not_found'],
  ['empty approval id', 'orders:approve', { approvalId: '' }, 'invalid_request'],
  ['unknown order id', 'orders:cancel', { clientOrderId: 'nope' }, 'not_found'],
  ['unknown mode', 'supervisor:set_mode', { mode: 'yolo' }, 'invalid_request'],
  ['re-arm without reason', 'killswitch:rearm', {}, 'invalid_request'],
  ['re-arm when not halted', 'killswitch:rearm', { reason: 'just because' }, 'conflict'],
  ['risk above 100%', 'settings:update', { patch: { risk: { positionFraction: 1.5 } } }, 'invalid_request'],
  ['negative risk', 'settings:update', { patch: { risk: { maxPositionNotionalPct: -0.1 } } }, 'invalid_request'],
  ['NaN setting', 'settings:update', { patch: { risk: { positionFraction: NaN } } }, 'invalid_request'],
  ['fast not below slow', 'settings:update', { patch: { strategy: { fast: 30, slow: 20 } } }, 'invalid_request'],
  ['unknown strategy symbol', 'settings:update', { patch: { strategy: { symbols: ['NOPE'] } } }, 'unknown_symbol'],
  ['history of unknown symbol', 'bars:history', { symbol: 'NOPE', limit: 10 }, 'unknown_symbol'],
  ['history limit too large', 'bars:history', { symbol: 'AAPL', limit: 10_000_000 }, 'invalid_request'],
  ['watch of an unknown symbol', 'bars:watch', { symbols: ['AAPL', 'NOPE'] }, 'unknown_symbol'],
  ['watch of too many symbols', 'bars:watch', { symbols: Array.from({ length: 65 }, () => 'AAPL') }, 'invalid_request'],
  ['watch without a list', 'bars:watch', { symbols: 'AAPL' }, 'invalid_request'],
  ['deeply nested junk', 'orders:submit', JSON.parse('{"symbol":' + '['.repeat(200) + ']'.repeat(200) + '}'), 'invalid_request'],
  ['huge string', 'orders:reject', { approvalId: 'x'.repeat(1_000_000) }, 'invalid_request'],
];

describe('every API request is validated; a malformed one gets a typed, readable error and changes nothing', () => {
  it.each(cases)('%s', async (_name, channel, payload, code) => {
    const before = durableState();
    const r = await h.engine.dispatch(channel, payload);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message.length).toBeGreaterThan(10);
    expect(r.error.message.length).toBeLessThan(2000);
    expect(durableState()).toBe(before);
  });

  it('names the offending field in the message', async () => {
    const r = await h.engine.dispatch('orders:submit', { symbol: 'AAPL', side: 'buy', qty: -5, type: 'market' });
    expect(!r.ok && r.error.message).toMatch(/qty: quantity must be greater than zero/);
  });

  it('a valid request still works after all of the above', async () => {
    const r = await h.engine.dispatch('app:snapshot', {});
    expect(r.ok).toBe(true);
  });
});
