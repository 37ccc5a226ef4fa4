-- The agent's local store. Instants are epoch milliseconds, except a prediction's time, which is
-- kept in epoch microseconds so that the forwarded record keeps the precision it was served with.

-- At most one row: the identity the hub gave this device at enrollment. The credential is a secret;
-- the data folder and this file are owner-only.
CREATE TABLE identity (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  device_id   TEXT NOT NULL,
  credential  TEXT NOT NULL,
  enrolled_at INTEGER NOT NULL
);

-- Per model: the version serving now (null when none) and the highest version ever activated,
-- below which a new version is refused unless the deployment is a rollback.
CREATE TABLE models (
  name            TEXT PRIMARY KEY,
  active_version  INTEGER,
  active_digest   TEXT,
  highest_version INTEGER NOT NULL,
  changed_at      INTEGER NOT NULL
);

-- Verified bundles kept in <data>/bundles/<digest>.vbundle.
CREATE TABLE bundles (
  digest       TEXT PRIMARY KEY,
  model        TEXT NOT NULL,
  version      INTEGER NOT NULL,
  size         INTEGER NOT NULL,
  installed_at INTEGER NOT NULL
);
CREATE INDEX bundles_by_model ON bundles (model, version);

-- Every served prediction, recorded before the answer goes out; synced = 1 once the hub has it.
CREATE TABLE predictions (
  sequence       INTEGER PRIMARY KEY AUTOINCREMENT,
  time_micros    INTEGER NOT NULL,
  model          TEXT NOT NULL,
  version        INTEGER NOT NULL,
  latency_micros INTEGER NOT NULL,
  request_id     TEXT,
  outputs_json   TEXT NOT NULL,
  synced         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX predictions_unsynced ON predictions (sequence) WHERE synced = 0;

-- Totals since the store was created; they survive the deletion of synced predictions.
CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('predictions_served', 0), ('predictions_failed', 0);
