// Parse points: what Alpaca sends is accepted only when it can be interpreted whole.
import { describe, expect, it } from 'vitest';
import { wireAmount } from '../../../engine/adapters/alpaca/broker';
import { mapStatus, pairSymbol, parseAccount, parseAsset, parseBar, parseClock, parseOrder, parsePosition } from '../../../engine/adapters/alpaca/wire';

const wireOrder = {
  id: 'b1f1e1d1-0000-4000-8000-000000000001',
  client_order_id: 'intent-1',
  symbol: 'AAPL',
  asset_class: 'us_equity',
  side: 'buy',
  type: 'limit',
  order_type: 'limit',
  time_in_force: 'gtc',
  qty: '10',
  notional: null,
  filled_qty: '4',
  filled_avg_price: '101.5',
  limit_price: '102',
  stop_price: null,
  status: 'partially_filled',
  order_class: '',
  created_at: '2024-03-04T15:00:00Z',
  updated_at: '2024-03-04T15:01:00.123456Z',
  legs: null,
};

describe('parseOrder', () => {
  it('reads an Alpaca order into the broker view', () => {
    expect(parseOrder(wireOrder)).toEqual({
      ok: true,
      value: {
        brokerOrderId: wireOrder.id,
        clientOrderId: 'intent-1',
        symbol: 'AAPL',
        side: 'buy',
        type: 'limit',
        qty: 10,
        limitPrice: 102,
        stopPrice: null,
        notional: null,
        status: 'partially_filled',
        alpacaStatus: 'partially_filled',
        filledQty: 4,
        avgFillPrice: 101.5,
        tif: 'gtc',
        orderClass: 'simple',
        assetClass: 'us_equity',
        legs: [],
        createdAt: Date.parse('2024-03-04T15:00:00Z'),
        updatedAt: Date.parse('2024-03-04T15:01:00.123Z'),
      },
    });
  });

  it('reads nested bracket legs', () => {
    const leg = { ...wireOrder, id: 'leg', client_order_id: 'leg-c', side: 'sell', status: 'held', filled_qty: '0', filled_avg_price: null };
    const p = parseOrder({ ...wireOrder, order_class: 'bracket', legs: [leg, { ...leg, id: 'leg2', type: 'stop', stop_price: '90' }] });
    expect(p.ok && p.value.legs.map((l) => [l.brokerOrderId, l.status, l.alpacaStatus])).toEqual([
      ['leg', 'accepted', 'held'],
      ['leg2', 'accepted', 'held'],
    ]);
  });

  it.each([
    [{ ...wireOrder, id: undefined }, 'id is missing or not a string'],
    [{ ...wireOrder, client_order_id: 7 }, 'client_order_id is missing or not a string'],
    [{ ...wireOrder, side: 'short' }, 'side "short" is neither buy nor sell'],
    [{ ...wireOrder, type: 'trailing_stop', order_type: 'trailing_stop' }, 'order type "trailing_stop" is not one this app trades'],
    [{ ...wireOrder, qty: 'ten' }, 'qty is not a number ("ten")'],
    [{ ...wireOrder, qty: null, notional: null }, 'neither qty nor notional is set'],
    [{ ...wireOrder, filled_qty: '-1' }, 'negative quantity'],
    [{ ...wireOrder, status: 'teleported' }, 'status "teleported" is unknown'],
    [{ ...wireOrder, asset_class: 'us_option' }, 'asset_class "us_option" is not traded by this app'],
    [{ ...wireOrder, created_at: 'yesterday' }, 'created_at is not a time ("yesterday")'],
    [{ ...wireOrder, legs: 'none' }, 'legs is not a list'],
    ['an order', 'order is not an object'],
  ])('refuses a malformed order (%#): %s', (raw, problem) => {
    expect(parseOrder(raw)).toEqual({ ok: false, problem });
  });

  it('maps every Alpaca status onto our lifecycle', () => {
    expect(mapStatus('held')).toBe('accepted');
    expect(mapStatus('done_for_day')).toBe('accepted');
    expect(mapStatus('pending_cancel')).toBe('pending_cancel');
    expect(mapStatus('replaced')).toBe('canceled');
    expect(mapStatus('expired')).toBe('expired');
    expect(mapStatus('rejected')).toBe('rejected');
  });
});

describe('other wire objects', () => {
  it('positions: crypto symbols regain their slash, shorts are negative', () => {
    expect(parsePosition({ symbol: 'BTCUSD', asset_class: 'crypto', qty: '0.5', side: 'long', avg_entry_price: '64000' })).toEqual({ ok: true, value: { symbol: 'BTC/USD', qty: 0.5, avgEntryPrice: 64000, assetClass: 'crypto' } });
    // the SDK's Position model keeps only camelCase keys
    expect(parsePosition({ symbol: 'TSLA', assetClass: 'us_equity', qty: '-3', side: 'short', avgEntryPrice: '190' })).toEqual({ ok: true, value: { symbol: 'TSLA', qty: -3, avgEntryPrice: 190, assetClass: 'us_equity' } });
    expect(parsePosition({ symbol: 'TSLA', qty: '3', side: 'sideways', avg_entry_price: '1' })).toEqual({ ok: false, problem: 'side "sideways" is neither long nor short' });
    expect(pairSymbol('ETHBTC', 'crypto')).toBe('ETH/BTC');
    expect(pairSymbol('AAPL', 'us_equity')).toBe('AAPL');
  });

  it('account, clock, asset and bar', () => {
    expect(parseAccount({ cash: '10', equity: '12.5', buying_power: '10', status: 'ACTIVE' })).toEqual({ ok: true, value: { cash: 10, equity: 12.5, buyingPower: 10, status: 'ACTIVE', tradingBlocked: false } });
    expect(parseAccount({ cash: 'lots', equity: '1', buying_power: '1', status: 'ACTIVE' })).toEqual({ ok: false, problem: 'cash is not a number ("lots")' });
    expect(parseClock({ timestamp: new Date(5), isOpen: false, nextOpen: new Date(10), nextClose: new Date(20) })).toEqual({ ok: true, value: { timestamp: 5, isOpen: false, nextOpen: 10, nextClose: 20 } });
    expect(parseAsset({ symbol: 'BTC/USD', _class: 'crypto', name: 'Bitcoin', tradable: true, fractionable: true, shortable: false, priceIncrement: '1', minTradeIncrement: '0.000000001', status: 'active' })).toMatchObject({
      ok: true,
      value: { instrument: { symbol: 'BTC/USD', assetClass: 'crypto', priceIncrement: 1, qtyIncrement: 1e-9 }, tradable: true },
    });
    expect(parseBar({ t: '2024-03-04T15:00:00Z', o: 1, h: 2, l: 0.5, c: 1.5, v: 100 })).toEqual({ ok: true, value: { t: Date.parse('2024-03-04T15:00:00Z'), o: 1, h: 2, l: 0.5, c: 1.5, v: 100 } });
    expect(parseBar({ timestamp: new Date(60_000), open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 })).toEqual({ ok: true, value: { t: 60_000, o: 1, h: 2, l: 0.5, c: 1.5, v: 3 } });
    expect(parseBar({ t: '2024-03-04T15:00:00Z', o: 1, h: 0.5, l: 2, c: 1, v: 1 })).toEqual({ ok: false, problem: 'bar prices are inconsistent' });
    expect(parseBar({ t: '2024-03-04T15:00:00Z', o: Number.NaN, h: 1, l: 1, c: 1, v: 1 })).toEqual({ ok: false, problem: 'o is not a number (null)' });
  });

  it('amounts go on the wire as plain decimals', () => {
    expect(wireAmount(10)).toBe('10');
    expect(wireAmount(1e-7)).toBe('0.0000001');
    expect(wireAmount(101.25)).toBe('101.25');
    expect(wireAmount(0.1 + 0.2)).toBe('0.3');
  });
});
