import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore, STORE_FILE_NAME } from '../../../db/SqliteStore';
import { StoreInputError, StoreOpenError } from '../../../db/errors';
import { openDatabase } from '../../../db/open';
import { storeMigrations } from '../../../db/migrations/store';
import {
  makeTempDir,
  sampleAccount,
  sampleApproval,
  sampleFill,
  sampleOrder,
  samplePosition,
  sampleSettings,
  sampleStopReport,
  sampleTradingState,
} from './fixtures';

let dir: string;
let cleanup: () => void;
let store: SqliteStore;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('store-'));
  store = SqliteStore.open(join(dir, 'data'));
});
afterEach(() => {
  store.close();
  cleanup();
});

function reopen(): SqliteStore {
  store.close(); // idempotent: some tests close first
  store = SqliteStore.open(join(dir, 'data'));
  return store;
}

describe('SqliteStore.open', () => {
  it('creates the data directory and supervisor.sqlite in it', () => {
    expect(existsSync(join(dir, 'data', STORE_FILE_NAME))).toBe(true);
  });

  it('restores nothing from a fresh store', () => {
    expect(store.restore()).toEqual({
      tradingState: null,
      settings: null,
      positions: [],
      openOrders: [],
      pendingApprovals: [],
      account: null,
      lastStop: null,
      fillsAfterCheckpoint: [],
    });
  });
});

describe('orders journal', () => {
  it('insertOrder journals an order and getOrder reads every field back', () => {
    const o = sampleOrder({ limitPrice: 100.5, type: 'limit', brokerOrderId: 'b-1', statusReason: 'x' });
    expect(store.insertOrder(o)).toBe('inserted');
    expect(store.getOrder(o.clientOrderId)).toEqual(o);
    expect(store.getOrder('nope')).toBeNull();
  });

  it('insertOrder with an existing clientOrderId returns duplicate and keeps the first record', () => {
    const o = sampleOrder();
    store.insertOrder(o);
    expect(store.insertOrder({ ...o, qty: 999 })).toBe('duplicate');
    expect(store.getOrder(o.clientOrderId)?.qty).toBe(10);
  });

  it('insertOrder refuses a NaN quantity with a message naming the field, writing nothing', () => {
    expect(() => store.insertOrder(sampleOrder({ qty: NaN }))).toThrow(/qty must be a finite number/);
    expect(() => store.insertOrder(sampleOrder({ qty: -1 }))).toThrow(StoreInputError);
    expect(store.listOrders('all', 10)).toEqual([]);
  });

  it('updateOrder patches only the given fields, and can set a field back to null', () => {
    const o = sampleOrder({ brokerOrderId: 'b-1' });
    store.insertOrder(o);
    store.updateOrder(o.clientOrderId, { status: 'accepted', brokerOrderId: null, updatedAt: o.updatedAt + 5 });
    expect(store.getOrder(o.clientOrderId)).toEqual({ ...o, status: 'accepted', brokerOrderId: null, updatedAt: o.updatedAt + 5 });
  });

  it('updateOrder of an unknown id throws and says to insert it first', () => {
    expect(() => store.updateOrder('missing', { status: 'canceled', updatedAt: 1 })).toThrow(/not in the journal; insertOrder it first/);
  });

  it('updateOrders applies all updates in one transaction, or none when one id is unknown', () => {
    const a = sampleOrder({ clientOrderId: 'a', status: 'accepted' });
    const b = sampleOrder({ clientOrderId: 'b', status: 'accepted' });
    store.insertOrder(a);
    store.insertOrder(b);
    expect(() =>
      store.updateOrders([
        { clientOrderId: 'a', patch: { status: 'canceled', updatedAt: 2 } },
        { clientOrderId: 'ghost', patch: { status: 'canceled', updatedAt: 2 } },
      ]),
    ).toThrow(/ghost/);
    expect(store.getOrder('a')?.status).toBe('accepted');
    store.updateOrders([
      { clientOrderId: 'a', patch: { status: 'canceled', statusReason: 'emergency stop', updatedAt: 3 } },
      { clientOrderId: 'b', patch: { status: 'pending_cancel', updatedAt: 3 } },
    ]);
    expect(store.getOrder('a')).toMatchObject({ status: 'canceled', statusReason: 'emergency stop', updatedAt: 3 });
    expect(store.getOrder('b')?.status).toBe('pending_cancel');
  });

  it('listOrders returns open or all orders, newest first, up to the limit', () => {
    store.insertOrder(sampleOrder({ clientOrderId: 'o1', createdAt: 1, status: 'filled' }));
    store.insertOrder(sampleOrder({ clientOrderId: 'o2', createdAt: 2, status: 'accepted' }));
    store.insertOrder(sampleOrder({ clientOrderId: 'o3', createdAt: 3, status: 'pending_submit' }));
    store.insertOrder(sampleOrder({ clientOrderId: 'o4', createdAt: 4, status: 'canceled' }));
    expect(store.listOrders('all', 10).map((o) => o.clientOrderId)).toEqual(['o4', 'o3', 'o2', 'o1']);
    expect(store.listOrders('all', 2).map((o) => o.clientOrderId)).toEqual(['o4', 'o3']);
    expect(store.listOrders('open', 10).map((o) => o.clientOrderId)).toEqual(['o3', 'o2']);
  });
});

describe('applyFill', () => {
  function fillArgs(fillId = 'fill-1') {
    return {
      fill: sampleFill({ fillId }),
      order: { clientOrderId: sampleOrder().clientOrderId, status: 'filled' as const, filledQty: 10, avgFillPrice: 101.25, updatedAt: 1_700_000_001_000 },
      position: samplePosition(),
      account: sampleAccount(),
    };
  }

  it('journals the fill and writes the order, position and account together', () => {
    store.insertOrder(sampleOrder({ status: 'accepted' }));
    expect(store.applyFill(fillArgs())).toBe(true);
    expect(store.getOrder(sampleOrder().clientOrderId)).toMatchObject({ status: 'filled', filledQty: 10, avgFillPrice: 101.25 });
    expect(store.fillsForSymbol('AAPL', 10)).toEqual([sampleFill()]);
    const r = store.restore();
    expect(r.positions).toEqual([samplePosition()]);
    expect(r.account).toEqual(sampleAccount());
    expect(r.fillsAfterCheckpoint).toEqual([]);
    expect(store.countFills()).toBe(1);
  });

  it('the same fillId twice returns false and writes nothing', () => {
    store.insertOrder(sampleOrder({ status: 'accepted' }));
    store.applyFill(fillArgs());
    const second = fillArgs();
    second.position = samplePosition({ qty: 20 });
    second.account = sampleAccount({ cash: 1 });
    second.order.filledQty = 20;
    expect(store.applyFill(second)).toBe(false);
    expect(store.countFills()).toBe(1);
    expect(store.restore().positions[0]?.qty).toBe(10);
    expect(store.restore().account?.cash).toBe(sampleAccount().cash);
    expect(store.getOrder(sampleOrder().clientOrderId)?.filledQty).toBe(10);
  });

  it('a fill for an order not in the journal throws and writes nothing', () => {
    expect(() => store.applyFill(fillArgs())).toThrow(/not in the journal/);
    expect(store.countFills()).toBe(0);
    expect(store.restore().positions).toEqual([]);
  });

  it('a fill with a bad price rolls back entirely', () => {
    store.insertOrder(sampleOrder({ status: 'accepted' }));
    const args = fillArgs();
    args.position = samplePosition({ avgEntryPrice: NaN });
    expect(() => store.applyFill(args)).toThrow(/avgEntryPrice must be a finite number/);
    expect(store.countFills()).toBe(0);
    expect(store.getOrder(sampleOrder().clientOrderId)?.status).toBe('accepted');
  });

  it('restore returns, in journal order, only fills journaled after the applied watermark', () => {
    store.insertOrder(sampleOrder({ status: 'accepted' }));
    store.applyFill(fillArgs('applied'));
    store.close();
    // a fill journaled without being applied (as a future import path might): startup must replay it
    const raw = openDatabase(join(dir, 'data', STORE_FILE_NAME), { migrations: storeMigrations });
    const ins = raw.prepare(`INSERT INTO fills (fill_id, client_order_id, symbol, side, qty, price, commission, time)
      VALUES (?, ?, 'AAPL', 'buy', 1, 100, 0, ?)`);
    ins.run('late-1', sampleOrder().clientOrderId, 7);
    ins.run('late-2', sampleOrder().clientOrderId, 8);
    raw.close();
    const after = reopen().restore().fillsAfterCheckpoint;
    expect(after.map((f) => f.fillId)).toEqual(['late-1', 'late-2']);
    expect(after[0]).toEqual(sampleFill({ fillId: 'late-1', qty: 1, price: 100, commission: 0, time: 7 }));
  });

  it('fillsForSymbol returns the most recent fills of that symbol, oldest first', () => {
    store.insertOrder(sampleOrder({ status: 'accepted' }));
    for (let i = 1; i <= 5; i++) {
      const a = fillArgs(`f${i}`);
      a.fill = sampleFill({ fillId: `f${i}`, qty: 1, time: 1000 + i });
      store.applyFill(a);
    }
    expect(store.fillsForSymbol('AAPL', 3).map((f) => f.fillId)).toEqual(['f3', 'f4', 'f5']);
    expect(store.fillsForSymbol('MSFT', 3)).toEqual([]);
  });
});

describe('state, settings, account, equity, approvals, audit, stop reports', () => {
  it('trading state with its latch round-trips, and a later save replaces it', () => {
    store.saveTradingState(sampleTradingState({ state: 'active', latched: false }));
    store.saveTradingState(sampleTradingState());
    expect(store.restore().tradingState).toEqual(sampleTradingState());
  });

  it('settings round-trip as JSON; extra keys live beside them', () => {
    store.saveSettings(sampleSettings());
    store.setSetting('ui.theme', { dark: true });
    expect(store.restore().settings).toEqual(sampleSettings());
    expect(store.getSetting('ui.theme')).toEqual({ dark: true });
    expect(store.getSetting('absent')).toBeNull();
  });

  it('saveAccount replaces the single account row', () => {
    store.saveAccount(sampleAccount({ cash: 1 }));
    store.saveAccount(sampleAccount());
    expect(store.restore().account).toEqual(sampleAccount());
  });

  it('equityCurve returns the latest points oldest first; a repeated t replaces its point', () => {
    for (let t = 1; t <= 5; t++) store.appendEquity({ t, equity: 100 + t, cash: 50 });
    store.appendEquity({ t: 5, equity: 999, cash: 50 });
    expect(store.equityCurve(3)).toEqual([
      { t: 3, equity: 103, cash: 50 },
      { t: 4, equity: 104, cash: 50 },
      { t: 5, equity: 999, cash: 50 },
    ]);
  });

  it('restore returns only pending approvals, in creation order', () => {
    store.saveApproval(sampleApproval({ id: 'a2', createdAt: 2 }));
    store.saveApproval(sampleApproval({ id: 'a1', createdAt: 1 }));
    store.saveApproval(sampleApproval({ id: 'a3', createdAt: 3 }));
    store.saveApproval(sampleApproval({ id: 'a3', createdAt: 3, status: 'rejected', decidedAt: 4, decisionReason: 'no' }));
    const pending = store.restore().pendingApprovals;
    expect(pending.map((a) => a.id)).toEqual(['a1', 'a2']);
    expect(pending[0]).toEqual(sampleApproval({ id: 'a1', createdAt: 1 }));
    expect(store.getApproval('a3')?.status).toBe('rejected');
  });

  it('appendAudit assigns increasing ids; listAudit pages back newest first', () => {
    const e1 = store.appendAudit({ at: 1, kind: 'signal', message: 'one', data: { sma: 1.5 } });
    const e2 = store.appendAudit({ at: 2, kind: 'fill', message: 'two' });
    const e3 = store.appendAudit({ at: 3, kind: 'killswitch', message: 'three', data: [1, 2] });
    expect(e2.id).toBeGreaterThan(e1.id);
    expect(e1).toEqual({ id: e1.id, at: 1, kind: 'signal', message: 'one', data: { sma: 1.5 } });
    expect(store.listAudit(2)).toEqual([e3, { ...e2, data: null }]);
    expect(store.listAudit(10, e2.id)).toEqual([e1]);
    expect(() => store.appendAudit({ at: 4, kind: 'bogus' as never, message: 'x' })).toThrow(/audit kind must be one of/);
  });

  it('restore returns the latest stop report, updated in place as steps progress', () => {
    store.saveStopReport(sampleStopReport({ id: 'old', requestedAt: 1 }));
    store.saveStopReport(sampleStopReport());
    const done = sampleStopReport({ status: 'confirmed', finishedAt: 1_700_000_002_500, openOrdersRemaining: 0, positionsRemaining: 0 });
    store.saveStopReport(done);
    expect(store.restore().lastStop).toEqual(done);
  });
});

describe('batch', () => {
  it('commits several writes together and returns the function\'s value', () => {
    const v = store.batch(() => {
      store.appendAudit({ at: 1, kind: 'signal', message: 'a' });
      store.insertOrder(sampleOrder({ status: 'accepted' }));
      return 42;
    });
    expect(v).toBe(42);
    expect(reopen().listAudit(10)).toHaveLength(1);
    expect(store.listOrders('open', 10)).toHaveLength(1);
  });

  it('rolls back every write of the batch, nested batches and transactions included, when the function throws', () => {
    store.insertOrder(sampleOrder({ clientOrderId: 'a', status: 'accepted' }));
    expect(() =>
      store.batch(() => {
        store.appendAudit({ at: 1, kind: 'signal', message: 'a' });
        store.batch(() => store.updateOrders([{ clientOrderId: 'a', patch: { status: 'canceled', updatedAt: 2 } }]));
        throw new Error('engine turn failed');
      }),
    ).toThrow('engine turn failed');
    expect(store.listAudit(10)).toEqual([]);
    expect(store.getOrder('a')?.status).toBe('accepted');
  });

  it('refuses an async function: nothing async inside a transaction', () => {
    expect(() => store.batch(async () => store.appendAudit({ at: 1, kind: 'signal', message: 'a' }))).toThrow(/promise/);
    expect(store.listAudit(10)).toEqual([]);
  });
});

describe('restore after reopening', () => {
  it('brings back state, latch, settings, positions, open orders, pending approvals, account and last stop', () => {
    store.saveTradingState(sampleTradingState());
    store.saveSettings(sampleSettings());
    store.insertOrder(sampleOrder({ status: 'accepted' }));
    store.insertOrder(sampleOrder({ clientOrderId: 'open-2', symbol: 'MSFT', status: 'pending_submit', createdAt: 1_700_000_000_100 }));
    store.insertOrder(sampleOrder({ clientOrderId: 'done', status: 'canceled' }));
    store.applyFill({
      fill: sampleFill({ qty: 4 }),
      order: { clientOrderId: sampleOrder().clientOrderId, status: 'partially_filled', filledQty: 4, avgFillPrice: 101.25, updatedAt: 9 },
      position: samplePosition({ qty: 4 }),
      account: sampleAccount(),
    });
    store.saveApproval(sampleApproval());
    store.saveStopReport(sampleStopReport());
    const before = store.restore();

    const after = reopen().restore();
    expect(after).toEqual(before);
    expect(after.tradingState?.latched).toBe(true);
    expect(after.openOrders.map((o) => o.clientOrderId)).toEqual([sampleOrder().clientOrderId, 'open-2']);
    expect(after.openOrders[0]).toMatchObject({ status: 'partially_filled', filledQty: 4 });
    expect(after.positions).toEqual([samplePosition({ qty: 4 })]);
    expect(after.pendingApprovals).toEqual([sampleApproval()]);
  });
});

describe('openReadOnly', () => {
  it('reads while a writer is open and sees its committed writes', () => {
    store.saveTradingState(sampleTradingState());
    store.insertOrder(sampleOrder({ status: 'accepted' }));
    const reader = SqliteStore.openReadOnly(join(dir, 'data'));
    try {
      expect(reader.restore().tradingState).toEqual(sampleTradingState());
      store.insertOrder(sampleOrder({ clientOrderId: 'later', status: 'accepted' }));
      expect(reader.restore().openOrders).toHaveLength(2);
      expect(() => reader.saveSettings(sampleSettings())).toThrow(/readonly/);
    } finally {
      reader.close();
    }
  });

  it('refuses a data directory without a store, saying there is no data yet, and creates nothing', () => {
    const empty = join(dir, 'nothing-here');
    const e = (() => {
      try {
        SqliteStore.openReadOnly(empty);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(StoreOpenError);
    expect((e as StoreOpenError).failure).toBe('missing');
    expect((e as StoreOpenError).message).toMatch(/no data there/);
    expect(existsSync(empty)).toBe(false);
  });
});
