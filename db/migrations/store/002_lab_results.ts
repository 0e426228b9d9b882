// The strategy lab's tables (issue 5): imported CSV datasets, stored as binary chunks like
// bar_chunks, and saved results (backtests, walk-forwards, sweeps). Never edit once shipped.
import type { Migration } from '../../migrate';

export const migration002LabResults: Migration = {
  version: 2,
  name: 'lab results',
  up(db) {
    db.exec(`
      -- An imported CSV. Its bars are written chunk by chunk while state = 'importing' and the
      -- dataset becomes usable only when a final transaction sets state = 'ready',
      -- so an import that fails or is interrupted never leaves a dataset that looks complete.
      -- While importing, id and name are a temporary id; the last step renames both (the chunks
      -- follow by ON UPDATE CASCADE), replacing an older dataset of that name in the same step.
      CREATE TABLE lab_datasets (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        source_path TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('importing', 'ready')),
        bar_count   INTEGER NOT NULL CHECK (bar_count >= 0),
        first_t     INTEGER,
        last_t      INTEGER,
        interval_ms INTEGER,
        imported_at INTEGER NOT NULL,
        issue_count INTEGER NOT NULL CHECK (issue_count >= 0),
        issues      TEXT NOT NULL CHECK (json_valid(issues))
      );

      -- The bars of an imported dataset, seq 0, 1, 2, ... in time order; data is laid out as in
      -- bar_chunks (n times, then n opens, highs, lows, closes, volumes; little-endian doubles).
      CREATE TABLE lab_dataset_chunks (
        dataset_id TEXT NOT NULL REFERENCES lab_datasets (id) ON DELETE CASCADE ON UPDATE CASCADE,
        seq        INTEGER NOT NULL CHECK (seq >= 0),
        n          INTEGER NOT NULL CHECK (n > 0),
        data       BLOB NOT NULL CHECK (length(data) = n * 48),
        PRIMARY KEY (dataset_id, seq)
      );

      -- A saved lab result. summary is small (what lists, comparisons and the readiness evidence
      -- read); detail holds the trades, curves, windows or sweep points, read when one is opened.
      CREATE TABLE lab_results (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('backtest', 'walk-forward', 'sweep')),
        name        TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        dataset     TEXT NOT NULL,
        strategy_id TEXT NOT NULL,
        summary     TEXT NOT NULL CHECK (json_valid(summary)),
        detail      TEXT NOT NULL CHECK (json_valid(detail))
      );
      CREATE INDEX lab_results_created ON lab_results (created_at);
      -- the readiness checklist asks for the latest result of a kind for the enabled strategy
      CREATE INDEX lab_results_evidence ON lab_results (kind, strategy_id, created_at);
    `);
  },
};
