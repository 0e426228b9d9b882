// The crash harness's child: the real runtime (engine + SQLite store + simulator or Alpaca
// adapter) on a data directory. It restarts (recovers and reconciles), settles, reports what the
// engine restored (RECOVERED ...), and waits; on GO it trades fast (autonomous mode plus a seeded
// stream of manual orders and cancels, an emergency stop and re-arm when the plan says) until it
// is killed: by SIGKILL of itself at the Nth occurrence of the plan's named point, or by the
// parent after a delay. Configuration: the CRASH_CHILD environment variable (protocol.ts).
// The hooks patch the store and broker classes in this process only: no crash code in the app.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { OrderRecord, TradingStateRecord } from '../../engine/domain/types';
import type { Broker, BrokerEvent, BrokerOrderRequest } from '../../engine/ports';
import { SimBroker } from '../../engine/sim/SimBroker';
import { SqliteStore } from '../../db/SqliteStore';
import { startRuntime, type AlpacaRuntime, type SimRuntime } from '../../electron/runtime';
import { rng, type PointKind, type PointPlan } from './plan';
import { ALPACA_TUNING, LINE, type ChildConfig, type Snapshot } from './protocol';

const say = (line: string): void => {
  // stdout to a pipe is synchronous on Linux: a line written before a SIGKILL reaches the parent
  process.stdout.write(`${line}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readConfig(): ChildConfig {
  const raw = process.env.CRASH_CHILD;
  if (!raw) {
    console.error('crash child: set CRASH_CHILD to a JSON ChildConfig (see test/crash/protocol.ts); the harness does this');
    process.exit(2);
  }
  const c = JSON.parse(raw) as ChildConfig;
  if (!c.dataDir || (c.broker !== 'sim' && c.broker !== 'alpaca')) {
    console.error(`crash child: CRASH_CHILD needs dataDir and broker 'sim' | 'alpaca', got ${raw}`);
    process.exit(2);
  }
  return c;
}

const cfg = readConfig();
const plan: PointPlan | null = cfg.plan;
/** named points count only once trading starts: the restart itself is what the parent checks */
let armed = false;
let hits = 0;

function at(kind: PointKind, detail = ''): void {
  if (!armed || !plan || plan.kind !== kind) return;
  if (++hits < plan.n) return;
  say(`${LINE.killing}${kind} #${hits} ${detail}`);
  process.kill(process.pid, 'SIGKILL');
}

// ---------- store hooks (journal commit, fill commit, trading state) ----------
const storeProto = SqliteStore.prototype;
const { insertOrder, applyFill, saveTradingState } = storeProto;
storeProto.insertOrder = function (this: SqliteStore, order: OrderRecord) {
  if (order.origin !== 'external') at('before_journal', order.clientOrderId);
  return insertOrder.call(this, order);
};
storeProto.applyFill = function (this: SqliteStore, args: Parameters<SqliteStore['applyFill']>[0]) {
  const applied = applyFill.call(this, args);
  if (applied) at('after_fill_commit', args.fill.fillId);
  return applied;
};
storeProto.saveTradingState = function (this: SqliteStore, rec: TradingStateRecord) {
  const rearm = rec.state === 'active' && rec.setBy === 'user';
  say(`${LINE.stateBegin}${JSON.stringify(rec)}`);
  if (rec.state === 'halted') at('stop_before_halt');
  if (rearm) at('rearm_before_commit');
  saveTradingState.call(this, rec);
  say(`${LINE.stateDurable}${JSON.stringify(rec)}`);
  if (rearm) at('rearm_after_commit');
};

// ---------- broker hooks (send, answer, fill event, cancels, emergency stop) ----------
interface BrokerCalls {
  submitOrder: Broker['submitOrder'];
  cancelOrder: Broker['cancelOrder'];
  cancelAllOrders: Broker['cancelAllOrders'];
  closeAllPositions: Broker['closeAllPositions'];
  onEvent: Broker['onEvent'];
}

function hooked(inner: BrokerCalls): BrokerCalls {
  return {
    async submitOrder(req: BrokerOrderRequest) {
      at('after_journal', req.clientOrderId);
      const res = await inner.submitOrder(req);
      if (res.ok) at('after_send', req.clientOrderId);
      return res;
    },
    async cancelOrder(id: string) {
      const res = await inner.cancelOrder(id);
      at('on_cancel', id);
      return res;
    },
    async cancelAllOrders() {
      at('stop_mid_cancel');
      const res = await inner.cancelAllOrders();
      at('stop_after_cancel');
      return res;
    },
    async closeAllPositions() {
      const res = await inner.closeAllPositions();
      at('stop_flatten');
      return res;
    },
    onEvent(listener: (e: BrokerEvent) => void) {
      return inner.onEvent((e) => {
        if (e.type === 'fill') at('on_fill', e.fill.fillId);
        listener(e);
      });
    },
  };
}

if (cfg.broker === 'sim') {
  // the simulator's runtime has no wrapBroker seam: hook its class in this process instead
  const proto = SimBroker.prototype;
  const orig = { submitOrder: proto.submitOrder, cancelOrder: proto.cancelOrder, cancelAllOrders: proto.cancelAllOrders, closeAllPositions: proto.closeAllPositions, onEvent: proto.onEvent };
  proto.submitOrder = function (this: SimBroker, req) {
    return hooked({ ...orig, submitOrder: (r) => orig.submitOrder.call(this, r) }).submitOrder(req);
  };
  proto.cancelOrder = function (this: SimBroker, id) {
    return hooked({ ...orig, cancelOrder: (i) => orig.cancelOrder.call(this, i) }).cancelOrder(id);
  };
  proto.cancelAllOrders = function (this: SimBroker) {
    return hooked({ ...orig, cancelAllOrders: () => orig.cancelAllOrders.call(this) }).cancelAllOrders();
  };
  proto.closeAllPositions = function (this: SimBroker) {
    return hooked({ ...orig, closeAllPositions: () => orig.closeAllPositions.call(this) }).closeAllPositions();
  };
  proto.onEvent = function (this: SimBroker, listener) {
    return hooked({ ...orig, onEvent: (l) => orig.onEvent.call(this, l) }).onEvent(listener);
  };
}

function wrapAlpaca(inner: Broker): Broker {
  const h = hooked({
    submitOrder: (r) => inner.submitOrder(r),
    cancelOrder: (i) => inner.cancelOrder(i),
    cancelAllOrders: () => inner.cancelAllOrders(),
    closeAllPositions: () => inner.closeAllPositions(),
    onEvent: (l) => inner.onEvent(l),
  });
  return {
    get status() {
      return inner.status;
    },
    ...h,
    getOrderByClientId: (id) => inner.getOrderByClientId(id),
    listOpenOrders: () => inner.listOpenOrders(),
    ...(inner.listRecentOrders ? { listRecentOrders: (n: number) => inner.listRecentOrders!(n) } : {}),
    listPositions: () => inner.listPositions(),
    getAccount: () => inner.getAccount(),
    close: () => inner.close(),
  };
}

// ---------- broken modes: prove the parent's checks can fail ----------
if (cfg.broken === 'drop_fill') {
  // lose the newest journaled fill, as a store that forgot a committed execution would
  const db = new Database(join(cfg.dataDir, 'supervisor.sqlite'));
  db.prepare('DELETE FROM fills WHERE seq = (SELECT max(seq) FROM fills)').run();
  db.close();
}

// ---------- restart ----------
const log = (level: 'info' | 'warn' | 'error', message: string): void => {
  if (level === 'error') process.stderr.write(`[child ${level}] ${message}\n`);
};
const rt: SimRuntime | AlpacaRuntime =
  cfg.broker === 'sim'
    ? await startRuntime({ dataDir: cfg.dataDir, broker: 'sim', simSeed: cfg.simSeed, simSpeed: 200, housekeepingMs: 20, log })
    : await startRuntime({ dataDir: cfg.dataDir, broker: 'alpaca', alpaca: ALPACA_TUNING, wrapBroker: wrapAlpaca, housekeepingMs: 50, log });
const dispatch = (channel: string, payload: unknown) => rt.dispatch(channel, payload);

if (cfg.broken === 'resend') {
  // the bug the journal exists to prevent: resend what was already sent, without asking the broker
  // any order the broker has (manual or the strategy's; a kill can come before the manual one is sent)
  const sent = rt.store.listOrders('all', 1000).filter((o) => o.brokerOrderId !== null && (o.type === 'market' || o.type === 'limit')).slice(0, 3);
  for (const o of sent) {
    await rt.broker.submitOrder({ clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, type: o.type, qty: o.qty, limitPrice: o.limitPrice, stopPrice: null, tif: o.tif });
  }
}

// settle: owed simulator fills land, the stream's last updates arrive, group commits are written
if (cfg.broker === 'sim') (rt as SimRuntime).market.stop();
await sleep(cfg.broker === 'sim' ? 120 : 250);
const st = rt.engine.state;
const snapshot: Snapshot = {
  tradingState: st.tradingState,
  mode: st.mode,
  positions: Object.fromEntries([...st.positions.values()].filter((p) => p.qty !== 0).map((p) => [p.symbol, p.qty])),
  openOrders: [...st.openOrders.keys()].sort(),
  cash: st.account.cash,
  unresolved: st.reconciliation.filter((i) => i.resolution === null).map((i) => i.description),
};
say(`${LINE.recovered}${JSON.stringify(snapshot)}`);

const lines = createInterface({ input: process.stdin });
lines.on('line', (l) => {
  if (l === 'GO' && plan) void trade(plan);
  if (l === 'STOP') void rt.shutdown().then(() => {
    say(LINE.stopped);
    process.exit(0);
  });
});
// the parent went away: nothing will kill or stop us, so stop
lines.on('close', () => void rt.shutdown().then(() => process.exit(0)));

// ---------- trading until killed ----------
async function rearm(): Promise<void> {
  if (rt.engine.state.tradingState.state !== 'halted') return;
  await dispatch('killswitch:rearm', { reason: 'crash harness: re-arm to keep trading' });
  await dispatch('supervisor:set_mode', { mode: 'autonomous' });
}

async function trade(p: PointPlan): Promise<void> {
  armed = true;
  const r = rng(p.orderSeed);
  if (cfg.broker === 'sim') (rt as SimRuntime).market.start();
  if (!p.stayHalted) await rearm();
  await dispatch('supervisor:set_mode', { mode: 'autonomous' }); // refused while halted: fine
  const symbols = rt.market.instruments().map((i) => i.symbol).slice(0, 4);
  let submitted = 0;
  let busy = false;
  setInterval(() => {
    if (busy) return;
    if (p.engageAfter !== null && submitted === p.engageAfter) {
      submitted++;
      busy = true;
      void (async () => {
        await dispatch('killswitch:engage', { source: 'ui', flatten: p.flatten });
        await sleep(20);
        if (!p.stayHalted) await rearm();
        busy = false;
      })();
      return;
    }
    submitted++;
    // every random draw happens here, before any await, so the stream follows the seed
    const symbol = symbols[Math.floor(r() * symbols.length)] as string;
    const limit = r() < 0.4;
    const sellRoll = r();
    const away = r() * 0.003;
    const cancelAfter = r() < 0.3 ? 10 + Math.floor(r() * 80) : null;
    const lots = 1 + Math.floor(r() * 3);
    void placeOne(symbol, limit, sellRoll, away, cancelAfter, lots);
  }, cfg.broker === 'sim' ? 8 : 40);
}

async function placeOne(symbol: string, limit: boolean, sellRoll: number, away: number, cancelAfter: number | null, lots: number): Promise<void> {
  const inst = rt.engine.state.instruments.get(symbol);
  const last = rt.market.lastPrice(symbol);
  if (!inst || last === null) return;
  const crypto = inst.assetClass === 'crypto';
  const qty = crypto ? Math.round((lots * 0.01) / inst.qtyIncrement) * inst.qtyIncrement : lots;
  const held = rt.engine.state.positions.get(symbol)?.qty ?? 0;
  const side = held >= qty && sellRoll < 0.5 ? 'sell' : 'buy';
  const step = inst.priceIncrement;
  const limitPrice = Math.round((last * (side === 'buy' ? 1 - away : 1 + away)) / step) * step;
  const res = await dispatch('orders:submit', { symbol, side, qty, type: limit ? 'limit' : 'market', ...(limit ? { limitPrice: Number(limitPrice.toFixed(6)) } : {}) });
  if (res.ok && limit && cancelAfter !== null) {
    const id = (res.value as { clientOrderId: string }).clientOrderId;
    setTimeout(() => void dispatch('orders:cancel', { clientOrderId: id }), cancelAfter);
  }
}
