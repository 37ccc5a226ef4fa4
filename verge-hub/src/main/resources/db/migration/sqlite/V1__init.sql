-- Instants are epoch milliseconds (INTEGER), except a prediction's own time, which is kept as the
-- device sent it (ISO-8601 text). JSON columns hold Verge's wire records as written by core's Json.

CREATE TABLE hub_settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE publisher_keys (
  key_id         TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  public_key_pem TEXT NOT NULL,
  added_at       INTEGER NOT NULL
);

CREATE TABLE model_versions (
  name             TEXT NOT NULL,
  version          INTEGER NOT NULL,
  bundle_digest    TEXT NOT NULL,
  bundle_size      INTEGER NOT NULL,
  publisher_key_id TEXT NOT NULL,
  published_at     INTEGER NOT NULL,
  inputs_json      TEXT NOT NULL,
  outputs_json     TEXT NOT NULL,
  metadata_json    TEXT NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE INDEX model_versions_by_digest ON model_versions (bundle_digest);

CREATE TABLE enrollment_tokens (
  token_sha256 TEXT PRIMARY KEY,
  note         TEXT,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  used_at      INTEGER,
  used_by      TEXT
);

CREATE TABLE devices (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  labels_json       TEXT NOT NULL,
  credential_sha256 TEXT NOT NULL UNIQUE,
  agent_version     TEXT,
  platform          TEXT,
  enrolled_at       INTEGER NOT NULL,
  last_seen_at      INTEGER,
  reported_json     TEXT,
  reported_at       INTEGER
);

CREATE TABLE deployments (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  model         TEXT NOT NULL,
  version       INTEGER NOT NULL,
  selector_json TEXT NOT NULL,
  rollback      INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  FOREIGN KEY (model, version) REFERENCES model_versions (name, version)
);
CREATE INDEX deployments_by_model ON deployments (model, id);

CREATE TABLE prediction_batches (
  device_id       TEXT NOT NULL REFERENCES devices (id),
  idempotency_key TEXT NOT NULL,
  received_at     INTEGER NOT NULL,
  accepted        INTEGER NOT NULL,
  PRIMARY KEY (device_id, idempotency_key)
);

CREATE TABLE predictions (
  device_id      TEXT NOT NULL REFERENCES devices (id),
  sequence       INTEGER NOT NULL,
  time           TEXT NOT NULL,
  model          TEXT NOT NULL,
  version        INTEGER NOT NULL,
  latency_micros INTEGER NOT NULL,
  request_id     TEXT,
  outputs_json   TEXT,
  received_at    INTEGER NOT NULL,
  PRIMARY KEY (device_id, sequence)
);
