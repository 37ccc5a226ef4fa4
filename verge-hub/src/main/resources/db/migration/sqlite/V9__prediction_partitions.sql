-- A prediction's own time as epoch milliseconds (rounded down, as Java's Instant.toEpochMilli), for
-- reads by model version and time and for retention; `time` keeps the text the device sent. Rows
-- from before are read back from that text (Instant.toString: seconds always, then an optional
-- fraction of 3, 6 or 9 digits, then Z); a time SQLite cannot read (a year past 9999) becomes 0,
-- which retention removes first.
ALTER TABLE predictions ADD COLUMN time_ms INTEGER NOT NULL DEFAULT 0;
UPDATE predictions SET time_ms = COALESCE(
  CAST(strftime('%s', substr(time, 1, 19)) AS INTEGER) * 1000
    + CASE WHEN substr(time, 20, 1) = '.'
        THEN CAST(substr(replace(substr(time, 21), 'Z', '') || '000', 1, 3) AS INTEGER)
        ELSE 0 END,
  0);
-- The read API pages a version's predictions in (time_ms, device_id, sequence) order, across the
-- fleet or for one device; retention deletes by time in bounded batches.
CREATE INDEX predictions_by_version ON predictions (model, version, time_ms, device_id, sequence);
CREATE INDEX predictions_by_device_time ON predictions (device_id, time_ms, sequence);
CREATE INDEX predictions_by_time ON predictions (time_ms);
