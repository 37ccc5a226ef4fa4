-- How many predictions each device has stored, kept by every batch that adds some.
CREATE TABLE prediction_counts (
  device_id TEXT PRIMARY KEY REFERENCES devices (id),
  stored    BIGINT NOT NULL
);

-- The labels an operator set or removed on a device, as JSON; they win over the reported ones.
ALTER TABLE devices ADD COLUMN operator_labels_json TEXT NOT NULL DEFAULT '{}';
