-- How many predictions each device has stored, kept by every batch that adds some, so that showing
-- a device costs the same whatever it has stored (counting the predictions table did not).
CREATE TABLE prediction_counts (
  device_id TEXT PRIMARY KEY REFERENCES devices (id),
  stored    INTEGER NOT NULL
);
INSERT INTO prediction_counts (device_id, stored)
  SELECT device_id, COUNT(*) FROM predictions GROUP BY device_id;

-- The labels an operator set ("set": key to value) or removed ("removed": keys) on a device, as
-- JSON; they win over the labels the device reports, which stay in labels_json.
ALTER TABLE devices ADD COLUMN operator_labels_json TEXT NOT NULL DEFAULT '{}';
