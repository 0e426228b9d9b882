// `npm run cli -- <command>`: tools that work on a data directory without the app running.
// Exit codes: 0 done, 1 the command failed, 2 bad usage or a data directory it cannot read.
import { existsSync, statSync } from 'node:fs';
import { CLI_USAGE, parseCliArgs } from './args';
import { formatStatus, statusReport } from './cli-status';
import { errorMessage } from './hosted-engine';
import { SqliteStore } from '../db/SqliteStore';
import { assertNever } from '../engine/util/assert';
import { StoreOpenError } from '../db/errors';

function usageError(message: string): number {
  process.stderr.write(`cli: ${message}\n${CLI_USAGE}\n`);
  return 2;
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
    const report = statusReport(dataDir, store.restore());
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
