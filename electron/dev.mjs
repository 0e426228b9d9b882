// `npm run dev`: rebuilds the hosts (esbuild watch) and the renderer (vite build --watch) on
// every change and runs the headless host, restarting it when its bundle changes. Works where
// the Electron runtime is absent; open the printed URL in a browser (reload after a change).
// Extra arguments go to the headless host; defaults: --port 5199 --data-dir out/dev-data.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { checkPreload, copyAssets, distDir, hostBuildOptions, root } from './build.mjs';

const userArgs = process.argv.slice(2);
const has = (flag) => userArgs.some((a) => a === flag || a.startsWith(`${flag}=`));
// one token for the whole session, so an open tab keeps working across host restarts
const headlessArgs = [
  ...(has('--port') ? [] : ['--port', '5199']),
  ...(has('--data-dir') ? [] : ['--data-dir', join(root, 'out', 'dev-data')]),
  ...(has('--token') ? [] : ['--token', randomBytes(18).toString('base64url')]),
  ...userArgs,
];

let host = null;
let restarting = Promise.resolve();

function startHost() {
  const child = spawn(process.execPath, ['--enable-source-maps', join(distDir, 'headless.cjs'), ...headlessArgs], {
    cwd: root,
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => {
    if (host === child) {
      host = null;
      console.log(`[dev] headless host exited (${signal ?? code}); it restarts on the next change`);
    }
  });
  host = child;
}

function stopHost() {
  const child = host;
  host = null;
  if (child === null || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function restartHost() {
  restarting = restarting.then(async () => {
    await stopHost();
    startHost();
  });
}

const [hostsOptions, preloadOptions] = hostBuildOptions();
const restartOnRebuild = {
  name: 'restart-headless',
  setup(build) {
    let first = true;
    build.onEnd((result) => {
      if (result.errors.length > 0) return console.error('[dev] host build failed; keeping the running host');
      if (first) {
        first = false;
        return;
      }
      console.log('[dev] hosts rebuilt: restarting the headless host');
      restartHost();
    });
  },
};
const checkPreloadPlugin = {
  name: 'check-preload',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length === 0 && result.metafile) {
        try {
          checkPreload(result.metafile, readFileSync(join(distDir, 'preload.cjs'), 'utf8'));
        } catch (e) {
          console.error(`[dev] ${e.message}`);
        }
      }
    });
  },
};

copyAssets();
const contexts = await Promise.all([
  esbuild.context({ ...hostsOptions, plugins: [restartOnRebuild] }),
  esbuild.context({ ...preloadOptions, plugins: [checkPreloadPlugin] }),
]);
await Promise.all(contexts.map((c) => c.watch()));

const vite = spawn(
  join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vite.cmd' : 'vite'),
  ['build', '--watch', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
  { cwd: root, stdio: 'inherit' },
);
vite.on('exit', (code) => console.log(`[dev] vite exited (${code})`));

startHost();

let quitting = false;
async function quit() {
  if (quitting) return;
  quitting = true;
  await Promise.all(contexts.map((c) => c.dispose()));
  vite.kill('SIGTERM');
  await stopHost();
  process.exit(0);
}
process.on('SIGINT', quit);
process.on('SIGTERM', quit);
