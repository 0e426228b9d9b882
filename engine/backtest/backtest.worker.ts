// Worker thread of the backtest pool (pool.ts): it lives across many jobs, so each job brings its
// bars (a SharedArrayBuffer, shared rather than copied); it posts progress per unit (a single
// backtest: bars done of total, at most every 1% of them) and the result
// or the error. All the work itself is in jobs.ts.
import { parentPort } from 'node:worker_threads';
import { columnsOfShared, runJob } from './jobs';
import type { WorkerReply, WorkerRequest } from './pool';

if (!parentPort) throw new Error('backtest.worker must run as a worker thread');
const port = parentPort;
const post = (m: WorkerReply): void => port.postMessage(m);

port.on('message', (msg: WorkerRequest) => {
  try {
    const result = runJob(columnsOfShared(msg.bars), msg.job, (done, total) =>
      post(done === undefined || total === undefined ? { id: msg.id, type: 'progress' } : { id: msg.id, type: 'progress', done, total }),
    );
    post({ id: msg.id, type: 'result', result });
  } catch (e) {
    post({ id: msg.id, type: 'error', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) });
  }
});
post({ type: 'ready' });
