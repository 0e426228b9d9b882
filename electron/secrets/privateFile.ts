// Files that hold keys (encrypted or not) are private to the user: written with mode 0600
// through a temporary file and a rename (a crash never leaves half a file), and refused when
// anyone else could read them.
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { SecretStoreError } from './types';

const POSIX = process.platform !== 'win32';

/**
 * The file's text, or null when it does not exist. On POSIX systems a file that its group or
 * other users can read or write, or that another user owns, is refused: keys in it may already
 * have leaked, and reading it would hide that.
 */
export function readPrivateFile(path: string): string | null {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SecretStoreError(`cannot read the keys file ${path}: ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new SecretStoreError(`the keys file ${path} is not a regular file`);
  if (POSIX) {
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new SecretStoreError(
        `the keys file ${path} can be read by other users (mode ${mode.toString(8).padStart(3, '0')}); ` +
          `make it private with: chmod 600 ${path}  (then rotate the keys at Alpaca if others may have read them)`,
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw new SecretStoreError(`the keys file ${path} belongs to another user (uid ${st.uid}); it must belong to the user running the app`);
    }
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new SecretStoreError(`cannot read the keys file ${path}: ${(e as Error).message}`);
  }
}

/** Replace the file with `text`, mode 0600, durably. */
export function writePrivateFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      // the umask can only remove bits; chmod makes sure a pre-existing tmp file is private too
      if (POSIX) chmodSync(tmp, 0o600);
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new SecretStoreError(`cannot write the keys file ${path}: ${(e as Error).message}`);
  }
}
