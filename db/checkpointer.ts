// WAL checkpoints on a background thread. SQLite's automatic checkpoint runs inside whichever
// commit crosses the WAL size threshold: it copies the WAL into the database file and fsyncs it,
// tens of milliseconds on a busy disk, on the thread that runs risk and the kill switch. The
// engine's connections therefore turn automatic checkpoints off, and this worker, with its own
// connections, runs PASSIVE checkpoints (which never block writers) every couple of seconds.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain CommonJS for an eval worker: it needs no loader or bundling step in any host.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const dbs = workerData.files.map((file) => {
  const db = new Database(file, workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {});
  db.pragma('busy_timeout = 1000');
  return db;
});
const run = () => {
  for (const db of dbs) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (e) {
      parentPort.postMessage({ error: String((e && e.message) || e) });
    }
  }
};
const timer = setInterval(run, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  for (const db of dbs) db.close();
  parentPort.postMessage({ stopped: true });
});
`;

export interface CheckpointerOptions {
  nativeBinding?: string;
  everyMs?: number;
  log?: (level: 'warn', message: string) => void;
}

export class WalCheckpointer {
  private stopped = false;

  private constructor(private readonly worker: Worker) {}

  /** Checkpoint these database files in the background until stopped. */
  static start(files: string[], opts: CheckpointerOptions = {}): WalCheckpointer {
    const modulePath = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { files, modulePath, nativeBinding: opts.nativeBinding, everyMs: opts.everyMs ?? 2000 },
    });
    worker.on('message', (m: { error?: string }) => {
      if (m.error) opts.log?.('warn', `background WAL checkpoint failed (it will be retried): ${m.error}`);
    });
    worker.on('error', (e) => opts.log?.('warn', `the WAL checkpoint thread stopped: ${e.message}; SQLite's own checkpoints are used instead`));
    worker.unref();
    return new WalCheckpointer(worker);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // unref'd while running so it never keeps the app alive; while stopping we wait for it
    this.worker.ref();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => resolve(), 2000);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.worker.once('message', done);
      this.worker.once('exit', done);
      this.worker.postMessage('stop');
    });
    await this.worker.terminate();
  }
}
