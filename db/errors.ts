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
