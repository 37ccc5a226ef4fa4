-- Events devices' pipelines raised (a rule that fired on a prediction), stored once per
-- (device, sequence) although devices send at least once.
CREATE TABLE device_events (
  device_id    TEXT NOT NULL REFERENCES devices (id),
  sequence     INTEGER NOT NULL,
  time         TEXT NOT NULL,
  pipeline     TEXT NOT NULL,
  rule         TEXT NOT NULL,
  severity     TEXT NOT NULL,
  message      TEXT,
  model        TEXT NOT NULL,
  version      INTEGER NOT NULL,
  details_json TEXT,
  received_at  INTEGER NOT NULL,
  PRIMARY KEY (device_id, sequence)
);
