import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIM_LEDGER_FILE_NAME, SqliteSimLedger } from '../../../db/simLedger';
import { SqliteStore } from '../../../db/SqliteStore';
import { StoreOpenError } from '../../../db/errors';
import type { SimOrderRow } from '../../../engine/sim/ledger';
import { makeTempDir, sampleFill } from './fixtures';

let dir: string;
let cleanup: () => void;
let ledger: SqliteSimLedger;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('sim-'));
  ledger = SqliteSimLedger.open(dir);
});
afterEach(() => {
  ledger.close();
  cleanup();
});

function reopen(): SqliteSimLedger {
  ledger.close();
  ledger = SqliteSimLedger.open(dir);
  return ledger;
}

function simOrder(over: Partial<SimOrderRow> = {}): SimOrderRow {
  return {
    brokerOrderId: 'sim-00000001',
    clientOrderId: 'c-1',
    symbol: 'AAPL',
    side: 'buy',
    type: 'market',
    qty: 10,
    limitPrice: null,
    status: 'accepted',
    filledQty: 0,
    avgFillPrice: null,
    createdAt: 1000,
    updatedAt: 1000,
    ...over,
  };
}

describe('SqliteSimLedger', () => {
  it('lives in its own simulator.sqlite and loads null until initialized', () => {
    expect(existsSync(join(dir, SIM_LEDGER_FILE_NAME))).toBe(true);
    expect(ledger.load()).toBeNull();
    ledger.init(100_000);
    expect(reopen().load()).toEqual({ cash: 100_000, positions: [], openOrders: [], cursors: [], nextOrderSeq: 1, nextFillSeq: 1 });
  });

  it('init twice is refused rather than silently resetting the simulated account', () => {
    ledger.init(100_000);
    expect(() => ledger.init(5)).toThrow(/already initialized/);
    expect(ledger.load()?.cash).toBe(100_000);
  });

  it('orders, fills, positions, cash and cursors survive a reopen; only open orders are loaded', () => {
    ledger.init(100_000);
    ledger.saveOrders([simOrder(), simOrder({ brokerOrderId: 'sim-00000002', clientOrderId: 'c-2', symbol: 'MSFT', type: 'limit', limitPrice: 300 })]);
    ledger.applyFill({
      fill: sampleFill({ clientOrderId: 'c-1', fillId: 'sim-00000001-f1', price: 100 }),
      order: simOrder({ status: 'filled', filledQty: 10, avgFillPrice: 100, updatedAt: 1001 }),
      position: { symbol: 'AAPL', qty: 10, avgEntryPrice: 100 },
      cash: 98_999.5,
      nextFillSeq: 2,
    });
    const bar = { t: 60_000, o: 1, h: 2, l: 0.5, c: 1.5, v: 100 };
    ledger.saveCursors([{ symbol: 'AAPL', index: 42, lastBar: bar }]);
    ledger.saveCursors([{ symbol: 'AAPL', index: 43, lastBar: { ...bar, t: 120_000 } }]);

    const s = reopen().load();
    expect(s).toEqual({
      cash: 98_999.5,
      positions: [{ symbol: 'AAPL', qty: 10, avgEntryPrice: 100 }],
      openOrders: [simOrder({ brokerOrderId: 'sim-00000002', clientOrderId: 'c-2', symbol: 'MSFT', type: 'limit', limitPrice: 300 })],
      cursors: [{ symbol: 'AAPL', index: 43, lastBar: { ...bar, t: 120_000 } }],
      nextOrderSeq: 3,
      nextFillSeq: 2,
    });
    expect(ledger.getOrderByClientId('c-1')).toMatchObject({ status: 'filled', filledQty: 10, avgFillPrice: 100 });
    expect(ledger.getOrderByClientId('zzz')).toBeNull();
  });

  it('a position closed to zero disappears, as at a broker', () => {
    ledger.init(1000);
    ledger.saveOrders([simOrder()]);
    ledger.applyFill({ fill: sampleFill({ clientOrderId: 'c-1', fillId: 'f1' }), order: simOrder({ status: 'filled', filledQty: 10 }), position: { symbol: 'AAPL', qty: 0, avgEntryPrice: 0 }, cash: 1000, nextFillSeq: 2 });
    expect(ledger.load()?.positions).toEqual([]);
  });

  it('applyFill is one transaction: a repeated fill id throws and changes nothing', () => {
    ledger.init(1000);
    ledger.saveOrders([simOrder()]);
    const args = { fill: sampleFill({ clientOrderId: 'c-1', fillId: 'f1' }), order: simOrder({ status: 'partially_filled', filledQty: 5 }), position: { symbol: 'AAPL', qty: 5, avgEntryPrice: 100 }, cash: 500, nextFillSeq: 2 };
    ledger.applyFill(args);
    expect(() => ledger.applyFill({ ...args, order: simOrder({ status: 'filled', filledQty: 10 }), position: { symbol: 'AAPL', qty: 10, avgEntryPrice: 100 }, cash: 0, nextFillSeq: 3 })).toThrow(/UNIQUE/);
    expect(ledger.load()).toMatchObject({ cash: 500, nextFillSeq: 2, positions: [{ symbol: 'AAPL', qty: 5, avgEntryPrice: 100 }] });
    expect(ledger.getOrderByClientId('c-1')?.filledQty).toBe(5);
  });

  it('counts every submission per client order id, accepted and refused', () => {
    ledger.recordSubmission('c-1', true, 1);
    ledger.recordSubmission('c-1', false, 2);
    ledger.recordSubmission('c-2', true, 3);
    expect(reopen().submissionsFor('c-1')).toBe(2);
    expect(ledger.submissionsFor('c-3')).toBe(0);
    expect(ledger.totalSubmissions()).toEqual({ accepted: 2, refused: 1 });
  });

  it('refuses a store file put in place of the simulator ledger, without touching it', () => {
    const storeDir = join(dir, 'store');
    SqliteStore.open(storeDir).close();
    const simDir = join(dir, 'swapped');
    mkdirSync(simDir);
    copyFileSync(join(storeDir, 'supervisor.sqlite'), join(simDir, SIM_LEDGER_FILE_NAME));
    const before = readFileSync(join(simDir, SIM_LEDGER_FILE_NAME));
    expect(() => SqliteSimLedger.open(simDir)).toThrow(StoreOpenError);
    expect(() => SqliteSimLedger.open(simDir)).toThrow(/not a simulator ledger/);
    expect(readFileSync(join(simDir, SIM_LEDGER_FILE_NAME)).equals(before)).toBe(true);
  });
});
