// The store's first schema. Never edit this file once shipped: add 002_... instead.
import type { Migration } from '../../migrate';

export const migration001Initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      -- The order journal: every intent is written here before it is sent to the broker.
      CREATE TABLE orders (
        client_order_id TEXT PRIMARY KEY,
        broker_order_id TEXT,
        symbol          TEXT NOT NULL,
        side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        type            TEXT NOT NULL,
        qty             REAL NOT NULL CHECK (qty > 0),
        limit_price     REAL,
        stop_price      REAL,
        tif             TEXT NOT NULL,
        status          TEXT NOT NULL,
        filled_qty      REAL NOT NULL CHECK (filled_qty >= 0),
        avg_fill_price  REAL,
        origin          TEXT NOT NULL,
        strategy_id     TEXT,
        reason          TEXT NOT NULL,
        status_reason   TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
      );
      -- Startup reads open orders only; a partial index keeps that independent of history size.
      CREATE INDEX orders_open ON orders (created_at)
        WHERE status IN ('pending_submit', 'accepted', 'partially_filled', 'pending_cancel');
      CREATE INDEX orders_created ON orders (created_at);
      CREATE INDEX orders_broker_id ON orders (broker_order_id) WHERE broker_order_id IS NOT NULL;

      -- Executions. seq is the journal order; fill_id makes applying a fill idempotent.
      CREATE TABLE fills (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        fill_id         TEXT NOT NULL UNIQUE,
        client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
        symbol          TEXT NOT NULL,
        side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        qty             REAL NOT NULL CHECK (qty > 0),
        price           REAL NOT NULL,
        commission      REAL NOT NULL,
        time            INTEGER NOT NULL
      );
      CREATE INDEX fills_symbol ON fills (symbol, seq);

      -- Positions as of fill seq fill_seq (their checkpoint in the fill journal).
      CREATE TABLE positions (
        symbol          TEXT PRIMARY KEY,
        qty             REAL NOT NULL,
        avg_entry_price REAL NOT NULL,
        realized_pnl    REAL NOT NULL,
        updated_at      INTEGER NOT NULL,
        fill_seq        INTEGER NOT NULL
      );

      -- Fills up to this seq are reflected in positions and account: startup replays only later ones.
      CREATE TABLE fill_watermark (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        applied_seq INTEGER NOT NULL
      );
      INSERT INTO fill_watermark (id, applied_seq) VALUES (1, 0);

      CREATE TABLE account (
        id                INTEGER PRIMARY KEY CHECK (id = 1),
        cash              REAL NOT NULL,
        equity            REAL NOT NULL,
        buying_power      REAL NOT NULL,
        day_start_equity  REAL NOT NULL,
        peak_equity       REAL NOT NULL,
        updated_at        INTEGER NOT NULL
      );

      -- The equity curve: one point per timestamp (a later point at the same t replaces it).
      CREATE TABLE equity_points (
        t      INTEGER PRIMARY KEY,
        equity REAL NOT NULL,
        cash   REAL NOT NULL
      );

      CREATE TABLE approvals (
        id         TEXT PRIMARY KEY,
        status     TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        data       TEXT NOT NULL CHECK (json_valid(data))
      );
      CREATE INDEX approvals_pending ON approvals (created_at) WHERE status = 'pending';

      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      );

      -- Trading state and the emergency stop's latch, which must survive restarts.
      CREATE TABLE trading_state (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        state   TEXT NOT NULL,
        set_by  TEXT NOT NULL,
        reason  TEXT NOT NULL,
        at      INTEGER NOT NULL,
        latched INTEGER NOT NULL CHECK (latched IN (0, 1))
      );

      CREATE TABLE audit (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      INTEGER NOT NULL,
        kind    TEXT NOT NULL,
        message TEXT NOT NULL,
        data    TEXT NOT NULL CHECK (json_valid(data))
      );
      CREATE INDEX audit_kind ON audit (kind, id);

      CREATE TABLE stop_reports (
        id           TEXT PRIMARY KEY,
        requested_at INTEGER NOT NULL,
        data         TEXT NOT NULL CHECK (json_valid(data))
      );
      CREATE INDEX stop_reports_requested ON stop_reports (requested_at);

      -- Bar history in binary chunks covering [chunk_start, chunk_start + span) for the timeframe:
      -- data is a little-endian Float64Array of the n bars laid out by field (n times, sorted,
      -- then n opens, highs, lows, closes, volumes), so a range decodes with plain memory copies.
      CREATE TABLE bar_chunks (
        symbol      TEXT NOT NULL,
        timeframe   TEXT NOT NULL,
        chunk_start INTEGER NOT NULL,
        n           INTEGER NOT NULL CHECK (n > 0),
        first_t     INTEGER NOT NULL,
        last_t      INTEGER NOT NULL,
        data        BLOB NOT NULL CHECK (length(data) = n * 48),
        PRIMARY KEY (symbol, timeframe, chunk_start)
      );
    `);
  },
};
