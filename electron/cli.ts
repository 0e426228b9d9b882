// `npm run cli -- <command>`: tools that work on a data directory, with or without the app running.
// Exit codes: 0 done, 1 the command failed, 2 bad usage, a data directory it cannot read, or a
// running app that does not answer.
import { existsSync, statSync } from 'node:fs';
import { CLI_USAGE, parseCliArgs } from './args';
import { formatStatus, statusReport } from './cli-status';
import { errorMessage } from './hosted-engine';
import { inspectLock, type LockInfo } from './runtime-lock';
import { SqliteStore } from '../db/SqliteStore';
import { assertNever } from '../engine/util/assert';
import { StoreOpenError } from '../db/errors';

function usageError(message: string): number {
  process.stderr.write(`cli: ${message}\n${CLI_USAGE}\n`);
  return 2;
}

/** Who holds the data directory's lock, for the status line; an unreadable lock is just not shown. */
function runningApp(dataDir: string): LockInfo | null {
  try {
    const lock = inspectLock(dataDir);
    return lock.kind === 'live' ? lock.info : null;
  } catch {
    return null;
  }
}

function status(dataDir: string, json: boolean): number {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    return usageError(`data directory ${dataDir} does not exist; pass the folder the app or the headless host uses`);
  }
  let store: SqliteStore;
  try {
    store = SqliteStore.openReadOnly(dataDir);
  } catch (e) {
    if (e instanceof StoreOpenError) {
      process.stderr.write(`cli: ${e.message}\n`);
      return e.failure === 'missing' ? 2 : 1;
    }
    throw e;
  }
  try {
    const report = statusReport(dataDir, store.restore(), runningApp(dataDir));
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatStatus(report)}\n`);
    return 0;
  } finally {
    store.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) return usageError(parsed.message);
  const cmd = parsed.value;
  switch (cmd.command) {
    case 'help':
      process.stdout.write(`${CLI_USAGE}\n`);
      return 0;
    case 'status':
      return status(cmd.dataDir, cmd.json);
    case 'stop': {
      // loaded only when asked for, like backtest: it brings the whole runtime
      const { runStopCommand } = await import('./cli-stop');
      return runStopCommand(
        { dataDir: cmd.dataDir, flatten: cmd.flatten, json: cmd.json },
        { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
      );
    }
    case 'backtest': {
      // loaded only when asked for: `status` stays quick and needs none of the lab's code
      const { runBacktestCommand } = await import('./commands/backtest');
      const code: unknown = await runBacktestCommand(cmd.argv);
      return typeof code === 'number' ? code : 0;
    }
    default:
      return assertNever(cmd, 'cli command');
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cli: ${errorMessage(e)}\n`);
    process.exitCode = 1;
  },
);
