// Where the copy of better-sqlite3 built for Electron's ABI lives. Shared by prepare-native.mjs
// (which builds it) and main.ts (which passes the .node file to the store), so both agree.
// node_modules/better-sqlite3 itself stays built for Node, for the tests and the CLI.
import { join } from 'node:path';

export const NATIVE_ROOT = '.electron-native';

/** The folder holding the Electron build for one Electron version. */
export function nativeDirFor(projectRoot, electronVersion) {
  return join(projectRoot, NATIVE_ROOT, electronVersion);
}

/** The better-sqlite3 .node file built for that Electron version. */
export function nativeBindingFor(projectRoot, electronVersion) {
  return join(nativeDirFor(projectRoot, electronVersion), 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
}
