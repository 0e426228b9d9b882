// Run by `npm start` before `electron .`: makes sure a better-sqlite3 built for Electron's ABI
// exists in .electron-native/<electron-version>/ (node_modules/better-sqlite3 stays built for
// Node, for the tests and the CLI). Builds it only when missing. Exit 1, with a message saying
// what to do, when the Electron runtime itself is not installed.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { nativeBindingFor, nativeDirFor } from './native-paths.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));

/** The Electron executable, or null when only the npm package (no binary) is installed. */
export function electronExecutable() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
}

export function missingRuntimeMessage(version) {
  return [
    `Electron's runtime (the Electron ${version} binary) is not installed here: node_modules/electron has`,
    'no executable (it was installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or its download failed).',
    'To get it, with network access and ELECTRON_SKIP_BINARY_DOWNLOAD unset:',
    '  node node_modules/electron/install.js',
    'Meanwhile the same app runs in your browser: npm run headless',
  ].join('\n');
}

async function main() {
  const version = electronVersion();
  if (electronExecutable() === null) {
    console.error(missingRuntimeMessage(version));
    process.exit(1);
  }
  const binding = nativeBindingFor(root, version);
  if (existsSync(binding)) return;

  const target = nativeDirFor(root, version);
  const staging = `${target}.tmp-${process.pid}`;
  console.log(`building better-sqlite3 for Electron ${version} into ${relative(root, target)}/ (once per Electron version)...`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'node_modules'), { recursive: true });
  const source = dirname(require.resolve('better-sqlite3/package.json'));
  const sqliteVersion = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')).version;
  writeFileSync(
    join(staging, 'package.json'),
    JSON.stringify({ name: 'electron-native', private: true, dependencies: { 'better-sqlite3': sqliteVersion } }, null, 2),
  );
  // the copy leaves out the Node build, so nothing built for the wrong ABI can be picked up
  cpSync(source, join(staging, 'node_modules', 'better-sqlite3'), {
    recursive: true,
    filter: (src) => relative(source, src).split(/[\\/]/)[0] !== 'build',
  });
  try {
    const { rebuild } = await import('@electron/rebuild');
    await rebuild({ buildPath: staging, electronVersion: version, onlyModules: ['better-sqlite3'], force: true });
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    console.error(
      `could not build better-sqlite3 for Electron ${version}: ${e instanceof Error ? e.message : e}\n` +
        'It needs either a prebuilt binary from GitHub or Electron headers and a C++ toolchain (python3, make, g++).',
    );
    process.exit(1);
  }
  if (!existsSync(join(staging, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))) {
    rmSync(staging, { recursive: true, force: true });
    console.error('the Electron build of better-sqlite3 finished but produced no better_sqlite3.node');
    process.exit(1);
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  console.log(`better-sqlite3 for Electron ${version} ready: ${relative(root, binding)}`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await main();
}
