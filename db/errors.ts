// Errors the store raises on purpose, with messages a user can act on.

export type StoreOpenFailure =
  /** the file is not a SQLite database, or fails its integrity check */
  | 'corrupt'
  /** the file was written by a newer version of the app */
  | 'newer_than_code'
  /** the file is a SQLite database, but not one of ours */
  | 'foreign'
  /** read-only open of a data directory that has no database yet */
  | 'missing'
  /** read-only open of a database the app has not yet upgraded */
  | 'older_than_code'
  /** a migration threw; the database stays at its previous version */
  | 'migration_failed';

/** Opening refused: the file was left exactly as it was found (or at its previous version). */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
  constructor(
    readonly failure: StoreOpenFailure,
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A caller handed the store something it must not persist (NaN, unknown id, ...). */
export class StoreInputError extends Error {
  override readonly name = 'StoreInputError';
}

/** Why a write to a database file failed for a reason outside the app: the disk, the file system. */
export type StoreWriteFailure = 'disk_full' | 'read_only' | 'io';

/** The SQLite result codes that mean "the disk or the file system refused", by what the user can do about them. */
export function storeWriteFailureOf(code: unknown): StoreWriteFailure | null {
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL') return 'disk_full';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') return 'read_only';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'io';
  return null;
}

/**
 * A write the disk or the file system refused (full, read-only, I/O error). Nothing of the
 * transaction was kept. `code` is SQLite's extended result code, as on better-sqlite3's errors.
 */
export class StoreWriteError extends Error {
  override readonly name = 'StoreWriteError';
  constructor(
    readonly failure: StoreWriteFailure,
    readonly code: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    const why =
      failure === 'disk_full'
        ? 'the disk is full'
        : failure === 'read_only'
          ? 'the file or its directory is read-only'
          : 'the disk or file system reported an I/O error';
    const detail = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`could not save to ${file}: ${why} (${code}${detail})`, options);
  }
}

/** `e` as a StoreWriteError naming `file` when it is the disk or the file system refusing a write; null otherwise. */
export function asStoreWriteError(file: string, e: unknown): StoreWriteError | null {
  if (e instanceof StoreWriteError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const failure = storeWriteFailureOf(code);
  return failure === null ? null : new StoreWriteError(failure, code as string, file, { cause: e });
}

/** Run a write; a refusal by the disk or the file system becomes a StoreWriteError naming `file`. */
export function guardWrite<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw asStoreWriteError(file, e) ?? e;
  }
}

/** An fsync the file system refused (an errno code), as the StoreWriteError a refused SQLite write would be. */
export function asFsWriteError(file: string, e: unknown): StoreWriteError {
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  const failure: StoreWriteFailure = code === 'ENOSPC' || code === 'EDQUOT' ? 'disk_full' : code === 'EROFS' || code === 'EACCES' || code === 'EPERM' ? 'read_only' : 'io';
  const sqliteCode = failure === 'disk_full' ? 'SQLITE_FULL' : failure === 'read_only' ? 'SQLITE_READONLY' : 'SQLITE_IOERR_FSYNC';
  return new StoreWriteError(failure, sqliteCode, file, { cause: e });
}
