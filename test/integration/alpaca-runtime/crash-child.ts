// Child process for the Alpaca crash tests: the real runtime on Alpaca (the emulator runs in the
// parent; its URLs and keys come in the environment as a user would set them), one manual market
// order, and a SIGKILL of itself at the moment SUPERVISOR_CRASH_AT names:
//   before_send  right after the order's journal commit, before the broker hears of it
//   after_send   after the broker accepted the order, before the answer reaches the engine
//   on_fill      when the first fill event arrives, before the engine journals it
// The hook wraps the Broker the runtime gives the engine (the runtime's test seam), so no crash
// code exists in the app itself. argv: DATA_DIR
import type { Broker, BrokerEvent, BrokerOrderRequest } from '../../../engine/ports';
import { startRuntime } from '../../../electron/runtime';
import { TUNING } from './harness';

const [dataDir] = process.argv.slice(2);
const crashAt = process.env.SUPERVISOR_CRASH_AT ?? 'none';
if (!dataDir || !['before_send', 'after_send', 'on_fill', 'none'].includes(crashAt)) {
  console.error('usage: SUPERVISOR_CRASH_AT=before_send|after_send|on_fill|none crash-child DATA_DIR');
  process.exit(2);
}
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const die = (why: string): never => {
  say(`KILLING ${why}`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not stop the process');
};

function crashing(inner: Broker): Broker {
  return {
    get status() {
      return inner.status;
    },
    async submitOrder(req: BrokerOrderRequest) {
      if (crashAt === 'before_send') die(`before sending ${req.clientOrderId}`);
      const res = await inner.submitOrder(req);
      if (crashAt === 'after_send') die(`after sending ${req.clientOrderId} (${res.ok ? 'accepted' : res.message})`);
      return res;
    },
    cancelOrder: (id) => inner.cancelOrder(id),
    cancelAllOrders: () => inner.cancelAllOrders(),
    getOrderByClientId: (id) => inner.getOrderByClientId(id),
    listOpenOrders: () => inner.listOpenOrders(),
    listPositions: () => inner.listPositions(),
    getAccount: () => inner.getAccount(),
    closeAllPositions: () => inner.closeAllPositions(),
    onEvent: (listener: (e: BrokerEvent) => void) =>
      inner.onEvent((e) => {
        if (crashAt === 'on_fill' && e.type === 'fill') die(`on the fill of ${e.fill.clientOrderId}`);
        listener(e);
      }),
    close: () => inner.close(),
  };
}

const rt = await startRuntime({ dataDir, broker: 'alpaca', alpaca: TUNING, wrapBroker: crashing, housekeepingMs: 50 });
say('READY');
const r = await rt.dispatch('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 2, type: 'market' });
say(`SUBMITTED ${JSON.stringify(r)}`);
// without a crash hook: wait for the fill to be journaled, then stop cleanly
const until = Date.now() + 5000;
while (!rt.engine.state.positions.has('AAPL') && Date.now() < until) await new Promise((res) => setTimeout(res, 10));
await rt.shutdown();
say('DONE');
