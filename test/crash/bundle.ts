// Bundle the child once per harness run (esbuild, into a temp directory): a restart then costs a
// plain `node child.mjs` instead of tsx compiling the app's sources on every one of 200+ starts.
// Native packages (better-sqlite3) stay external, imported by absolute path from this repository's
// node_modules (an ES module outside the repo cannot find them by name); import.meta.url keeps pointing into the
// repo so code that resolves files from it (the WAL checkpointer's worker) still finds them.
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHILD_SOURCE = resolve(import.meta.dirname, 'child.ts');

export interface BundledChild {
  /** argv for `node`: the bundled child */
  file: string;
  dispose(): void;
}

export async function bundleChild(): Promise<BundledChild> {
  const dir = mkdtempSync(join(tmpdir(), 'crash-child-'));
  const file = join(dir, 'child.mjs');
  const req = createRequire(CHILD_SOURCE);
  await esbuild.build({
    entryPoints: [CHILD_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: file,
    logLevel: 'warning',
    // bundled CommonJS dependencies (ws) call require(): give the bundle one rooted in the repo
    banner: { js: `import { createRequire as __crashCreateRequire } from 'node:module'; const require = __crashCreateRequire(${JSON.stringify(CHILD_SOURCE)});` },
    // optional native helpers of ws: absent, and ws copes
    external: ['bufferutil', 'utf-8-validate', 'fsevents'],
    define: {
      'import.meta.url': JSON.stringify(pathToFileURL(CHILD_SOURCE).href),
      'import.meta.dirname': JSON.stringify(resolve(import.meta.dirname)),
      'import.meta.filename': JSON.stringify(CHILD_SOURCE),
    },
    plugins: [
      {
        name: 'packages-by-absolute-path',
        setup(b) {
          b.onResolve({ filter: /^(better-sqlite3|electron)$/ }, (a) => ({ path: pathToFileURL(req.resolve(a.path)).href, external: true }));
        },
      },
    ],
  });
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
