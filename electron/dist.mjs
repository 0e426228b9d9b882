// `npm run dist [-- electron-builder args, e.g. --linux]`: packages the app with electron-builder.
// First checks that what packaging needs can be had (the Electron runtime for this platform,
// and Electron's headers to rebuild better-sqlite3 for it); if not, stops and names what is
// missing. electron-builder rebuilds node_modules/better-sqlite3 for Electron (npmRebuild), so
// afterwards it is rebuilt for Node again, or the tests and the CLI could not load it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { electronExecutable, electronVersion } from './prepare-native.mjs';

const root = resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function electronCacheDir() {
  if (process.env.ELECTRON_CACHE) return process.env.ELECTRON_CACHE;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'electron');
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'electron', 'Cache');
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron');
}

/** True when a HEAD request to `url` answers 2xx/3xx within a few seconds. */
async function reachable(url) {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(8000) });
    return res.status < 400;
  } catch {
    return false;
  }
}

function zipInCache(version) {
  const name = `electron-v${version}-${process.platform}-${process.arch}.zip`;
  const dir = electronCacheDir();
  if (!existsSync(dir)) return false;
  // @electron/get keeps downloads in hashed subfolders; older versions kept them flat
  if (existsSync(join(dir, name))) return true;
  return readdirSync(dir, { withFileTypes: true }).some((d) => d.isDirectory() && existsSync(join(dir, d.name, name)));
}

async function checkPrerequisites(version) {
  const missing = [];
  const runtimeLocal = electronExecutable() !== null;
  let runtimeSource = runtimeLocal ? 'node_modules/electron/dist' : zipInCache(version) ? 'the Electron download cache' : null;
  if (runtimeSource === null) {
    const mirror = process.env.ELECTRON_MIRROR ?? 'https://github.com/electron/electron/releases/download/';
    const url = `${mirror}v${version}/electron-v${version}-${process.platform}-${process.arch}.zip`;
    if (await reachable(url)) runtimeSource = url;
    else {
      missing.push(
        `the Electron ${version} runtime for ${process.platform}-${process.arch}: not in node_modules/electron ` +
          `(installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1), not in ${electronCacheDir()}, and ${url} is not reachable. ` +
          'Run `node node_modules/electron/install.js` with network access, or set ELECTRON_MIRROR.',
      );
    }
  }
  const headersLocal = existsSync(join(homedir(), '.electron-gyp', version));
  const headersUrl = `https://www.electronjs.org/headers/v${version}/node-v${version}-headers.tar.gz`;
  if (!headersLocal && !(await reachable(headersUrl))) {
    missing.push(
      `Electron ${version}'s headers, to rebuild better-sqlite3 for Electron: not in ~/.electron-gyp/${version} and ` +
        `${headersUrl} is not reachable. Fetch them with network access: npx node-gyp install --target=${version} ` +
        '--dist-url=https://www.electronjs.org/headers --devdir ~/.electron-gyp',
    );
  }
  return { missing, runtimeLocal, runtimeSource };
}

function run(cmd, args) {
  console.log(`> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  return r.status ?? 1;
}

const version = electronVersion();
const { missing, runtimeLocal, runtimeSource } = await checkPrerequisites(version);
if (missing.length > 0) {
  console.error(`npm run dist cannot package the app here. Missing:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
  process.exit(1);
}
console.log(`packaging with Electron ${version} from ${runtimeSource}`);

if (run(npm, ['run', 'build', '--silent']) !== 0) process.exit(1);
const builderArgs = ['--config', 'electron-builder.yml', '--publish', 'never', ...process.argv.slice(2)];
if (runtimeLocal) builderArgs.push(`-c.electronDist=${join(root, 'node_modules', 'electron', 'dist')}`);
let status;
try {
  status = run(join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-builder.cmd' : 'electron-builder'), builderArgs);
} finally {
  // electron-builder left node_modules/better-sqlite3 built for Electron: put the Node build back
  if (run(npm, ['rebuild', 'better-sqlite3']) !== 0) {
    console.error('could not rebuild better-sqlite3 for Node: run `npm rebuild better-sqlite3` before `npm test`');
    status = 1;
  }
}
if (status === 0) console.log('packages written to release/');
process.exit(status);
