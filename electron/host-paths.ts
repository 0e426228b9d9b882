// Where a host finds the files next to it. Hosts run as bundles in dist/ (dist/main.cjs,
// dist/headless.cjs) but the same source also runs unbundled under tsx from electron/;
// both layouts resolve to the same dist/ folder.
import { basename, join, resolve } from 'node:path';

/** The dist/ folder for a host whose own file is in `hostDir`. */
export function distDirFor(hostDir: string): string {
  return basename(hostDir) === 'dist' ? hostDir : resolve(hostDir, '..', 'dist');
}

export function rendererDirFor(hostDir: string): string {
  return join(distDirFor(hostDir), 'renderer');
}

/** The project (or packaged app) root: the folder holding dist/ and package.json. */
export function appRootFor(hostDir: string): string {
  return resolve(distDirFor(hostDir), '..');
}
