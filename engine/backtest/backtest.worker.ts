// Worker thread for sweeps and walk-forward: receives the shared bars once, then jobs; posts
// progress per unit and the result or the error. All the work itself is in jobs.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { columnsOfShared, runJob, type BacktestJob, type SharedBars } from './jobs';

if (!parentPort) throw new Error('backtest.worker must run as a worker thread');
const port = parentPort;
const cols = columnsOfShared(workerData as SharedBars);

port.on('message', (msg: { id: number; job: BacktestJob }) => {
  try {
    const result = runJob(cols, msg.job, () => port.postMessage({ id: msg.id, type: 'progress' }));
    port.postMessage({ id: msg.id, type: 'result', result });
  } catch (e) {
    port.postMessage({ id: msg.id, type: 'error', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) });
  }
});
