// `npm run headless`: the engine and the built renderer served to a browser on loopback.
// Prints exactly one line on stdout when ready (the URL with its token); logs go to stderr.
// Exit codes: 0 after SIGINT/SIGTERM, 2 for bad arguments or a refused database, 1 otherwise.
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HEADLESS_USAGE, parseHeadlessArgs } from './args';
import { HeadlessListenError, startHeadlessServer, type HeadlessServer } from './headless-server';
import { errorMessage, stderrLog } from './hosted-engine';
import { rendererDirFor } from './host-paths';
import { RuntimeStartError, startRuntime, type Runtime } from './runtime';

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(argv: string[]): Promise<void> {
  const parsed = parseHeadlessArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`headless: ${parsed.message}\n${HEADLESS_USAGE}\n`);
    process.exit(2);
  }
  const args = parsed.value;
  if (args.help) {
    process.stdout.write(`${HEADLESS_USAGE}\n`);
    return;
  }
  const log = stderrLog('[headless]');
  if (args.token !== null && args.token.length < 16) {
    log('warn', 'the --token given is shorter than 16 characters: anyone who can guess it can trade on this engine');
  }
  const token = args.token ?? randomBytes(24).toString('base64url');
  const dataDir = args.dataDir ?? join(homedir(), '.trading-supervisor');

  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      dataDir,
      broker: args.broker,
      // takes the data directory's lock and serves the control endpoint that `cli stop` reaches
      host: 'headless',
      controlEndpoint: true,
      ...(args.simSeed !== undefined ? { simSeed: args.simSeed } : {}),
      ...(args.simSpeed !== undefined ? { simSpeed: args.simSpeed } : {}),
      ...(args.simExtraSymbols !== undefined ? { simExtraSymbols: args.simExtraSymbols } : {}),
      log,
    });
  } catch (e) {
    if (e instanceof RuntimeStartError) {
      process.stderr.write(`headless: cannot start: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }

  let server: HeadlessServer;
  try {
    server = await startHeadlessServer({
      engine: runtime,
      host: args.host,
      port: args.port,
      token,
      allowRemote: args.allowRemote,
      rendererDir: rendererDirFor(import.meta.dirname),
      log,
    });
  } catch (e) {
    await runtime.shutdown();
    if (e instanceof HeadlessListenError) {
      process.stderr.write(`headless: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      log('warn', `${signal} again during shutdown: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log('info', `${signal}: shutting down`);
    setTimeout(() => {
      log('error', `shutdown took over ${SHUTDOWN_TIMEOUT_MS / 1000} s: exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    void (async () => {
      try {
        await server.close();
        await runtime.shutdown();
        process.exit(0);
      } catch (e) {
        log('error', `shutdown failed: ${errorMessage(e)}`);
        process.exit(1);
      }
    })();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  process.stdout.write(`Headless supervisor listening on ${server.url}\n`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`headless: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
