// Child process for crashRecovery.test.ts: writes through the store, then kills itself with
// SIGKILL at once, so no close(), no exit handler and no checkpoint ever runs.
import { SqliteStore } from '../../../db/SqliteStore';
import { SqliteSimLedger } from '../../../db/simLedger';
import { sampleAccount, sampleFill, sampleOrder, samplePosition, sampleTradingState } from './fixtures';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: crashWriter.ts <dataDir>');
const store = SqliteStore.open(dataDir);
const ledger = SqliteSimLedger.open(dataDir);
ledger.init(100_000);
for (let i = 0; i < 20; i++) {
  const o = sampleOrder({ clientOrderId: `crash-${i}`, status: 'accepted' });
  store.insertOrder(o);
  ledger.recordSubmission(o.clientOrderId, true, i);
}
store.applyFill({
  fill: sampleFill({ clientOrderId: 'crash-0', fillId: 'crash-fill' }),
  order: { clientOrderId: 'crash-0', status: 'filled', filledQty: 10, avgFillPrice: 101.25, updatedAt: 5 },
  position: samplePosition(),
  account: sampleAccount(),
});
store.saveTradingState(sampleTradingState());
process.stdout.write('written\n');
process.kill(process.pid, 'SIGKILL');
