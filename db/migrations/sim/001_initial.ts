// The simulated broker's books (its own file). Never edit this file once shipped.
import type { Migration } from '../../migrate';

export const simMigration001Initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE sim_meta (
        id             INTEGER PRIMARY KEY CHECK (id = 1),
        cash           REAL NOT NULL,
        next_order_seq INTEGER NOT NULL,
        next_fill_seq  INTEGER NOT NULL,
        created_at     INTEGER NOT NULL
      );

      CREATE TABLE sim_orders (
        broker_order_id TEXT PRIMARY KEY,
        client_order_id TEXT NOT NULL UNIQUE,
        symbol          TEXT NOT NULL,
        side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        type            TEXT NOT NULL,
        qty             REAL NOT NULL CHECK (qty > 0),
        limit_price     REAL,
        status          TEXT NOT NULL,
        filled_qty      REAL NOT NULL CHECK (filled_qty >= 0),
        avg_fill_price  REAL,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
      );
      CREATE INDEX sim_orders_open ON sim_orders (created_at)
        WHERE status IN ('pending_submit', 'accepted', 'partially_filled', 'pending_cancel');

      CREATE TABLE sim_fills (
        fill_id         TEXT PRIMARY KEY,
        client_order_id TEXT NOT NULL,
        symbol          TEXT NOT NULL,
        side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        qty             REAL NOT NULL CHECK (qty > 0),
        price           REAL NOT NULL,
        commission      REAL NOT NULL,
        time            INTEGER NOT NULL
      );

      -- Flat positions are deleted, as a broker stops listing them.
      CREATE TABLE sim_positions (
        symbol          TEXT PRIMARY KEY,
        qty             REAL NOT NULL CHECK (qty <> 0),
        avg_entry_price REAL NOT NULL
      );

      CREATE TABLE sim_cursors (
        symbol TEXT PRIMARY KEY,
        idx    INTEGER NOT NULL,
        t REAL NOT NULL, o REAL NOT NULL, h REAL NOT NULL, l REAL NOT NULL, c REAL NOT NULL, v REAL NOT NULL
      );

      -- Every submit call the simulated broker received (tests count duplicates with it).
      CREATE TABLE sim_submissions (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        client_order_id TEXT NOT NULL,
        accepted        INTEGER NOT NULL CHECK (accepted IN (0, 1)),
        at              INTEGER NOT NULL
      );
      CREATE INDEX sim_submissions_order ON sim_submissions (client_order_id);
    `);
  },
};
