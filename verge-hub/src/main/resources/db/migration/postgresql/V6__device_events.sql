-- Events devices' pipelines raised, stored once per (device, sequence).
CREATE TABLE device_events (
  device_id    TEXT NOT NULL REFERENCES devices (id),
  sequence     BIGINT NOT NULL,
  time         TEXT NOT NULL,
  pipeline     TEXT NOT NULL,
  rule         TEXT NOT NULL,
  severity     TEXT NOT NULL,
  message      TEXT,
  model        TEXT NOT NULL,
  version      BIGINT NOT NULL,
  details_json TEXT,
  received_at  BIGINT NOT NULL,
  PRIMARY KEY (device_id, sequence)
);
