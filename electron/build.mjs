// Bundles the hosts with esbuild into dist/ (CommonJS, because Electron's main and sandboxed
// preload load CommonJS): main.cjs, preload.cjs, headless.cjs, cli.cjs, and any
// `*.worker.ts` under engine/, db/ or electron/ into dist/workers/<name>.cjs.
// Run directly (`node electron/build.mjs`) or import `buildHosts` / `hostBuildOptions`.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

export const root = resolve(import.meta.dirname, '..');
export const distDir = join(root, 'dist');

/**
 * Left to Node's require at run time: Electron itself, native modules (better-sqlite3 loads a
 * .node file), the Alpaca SDK (large, optional deps), and ws's optional native helpers.
 */
export const EXTERNALS = [
  'electron',
  'better-sqlite3',
  '@alpacahq/alpaca-trade-api',
  'bufferutil',
  'utf-8-validate',
  'fsevents',
];

/** Entry points named `*.worker.ts` (worker_threads code) found under the source folders. */
function workerEntries() {
  const entries = {};
  for (const dir of ['engine', 'db', 'electron']) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const file of readdirSync(abs, { recursive: true })) {
      const name = String(file);
      if (name.endsWith('.worker.ts')) entries[`workers/${basename(name, '.ts')}`] = join(abs, name);
    }
  }
  return entries;
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  outdir: distDir,
  outExtension: { '.js': '.cjs' },
  logLevel: 'warning',
  metafile: true,
  // import.meta does not exist in CommonJS: give the sources the same values Node gives ESM
  define: {
    'import.meta.dirname': '__dirname',
    'import.meta.filename': '__filename',
    'import.meta.url': '__import_meta_url',
  },
  banner: { js: "var __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
};

export function hostBuildOptions() {
  return [
    {
      ...common,
      entryPoints: {
        main: join(root, 'electron/main.ts'),
        headless: join(root, 'electron/headless.ts'),
        cli: join(root, 'electron/cli.ts'),
        ...workerEntries(),
      },
      external: EXTERNALS,
    },
    {
      // the sandboxed preload may only require 'electron': everything else is bundled in, and
      // it gets no import.meta banner (that would require node:url)
      ...common,
      define: {},
      banner: {},
      entryPoints: { preload: join(root, 'electron/preload.ts') },
      external: ['electron'],
    },
  ];
}

/** Fails when the preload bundle would require anything but 'electron' (a sandboxed preload cannot). */
export function checkPreload(metafile, bundleText) {
  const offending = [];
  for (const m of bundleText.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) {
    if (m[1] !== 'electron') offending.push(`${m[1]} (in the bundle)`);
  }
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.external && imp.path !== 'electron') offending.push(`${imp.path} (from ${file})`);
    }
  }
  if (offending.length > 0) {
    throw new Error(`the sandboxed preload may only require 'electron', but it requires: ${offending.join(', ')}`);
  }
}

export function copyAssets() {
  mkdirSync(distDir, { recursive: true });
  copyFileSync(join(root, 'electron/assets/icon.png'), join(distDir, 'icon.png'));
}

export async function buildHosts() {
  const started = Date.now();
  const [hosts, preload] = hostBuildOptions();
  const [, preloadResult] = await Promise.all([esbuild.build(hosts), esbuild.build(preload)]);
  checkPreload(preloadResult.metafile, readFileSync(join(distDir, 'preload.cjs'), 'utf8'));
  copyAssets();
  return Date.now() - started;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const ms = await buildHosts();
    console.log(`hosts built into ${relative(process.cwd(), distDir) || '.'}/ in ${ms} ms`);
  } catch (e) {
    // esbuild has already printed its diagnostics
    console.error(`host build failed: ${e instanceof Error ? e.message.split('\n')[0] : e}`);
    process.exit(1);
  }
}
