-- Predictions become a table partitioned by range of the device's own time of each prediction
-- (time_ms, epoch milliseconds rounded down), one partition per UTC day, named
-- predictions_pYYYYMMDD, plus a default partition for any time no day partition covers (a device
-- whose clock is far off, a day retention already dropped), so an insert never fails for want of
-- a partition. Retention then drops whole days (hub.telemetry.PredictionMaintenance).
--
-- A partitioned table's unique keys must hold the partition key, so the key is (device_id,
-- sequence, time_ms). It still stores each (device, sequence) once because a resend carries the
-- same time: the agent writes a record's time into its outbox when it serves the request and
-- forwards that stored row, however often it resends, so a resent record falls in the same
-- partition and conflicts there (DO NOTHING), across day boundaries too. Partitioning on the
-- hub's receive time instead would put a resend in another partition and need a second,
-- unpartitioned key table as large as this one, which retention could not drop.
--
-- Rows from before move over: day partitions are created for the days from 90 days ago to a week
-- ahead (the hub creates the rest as they come), anything else lands in the default partition,
-- where retention deletes it in batches.
ALTER TABLE predictions RENAME TO predictions_unpartitioned;
ALTER INDEX predictions_pkey RENAME TO predictions_unpartitioned_pkey;

CREATE TABLE predictions (
  device_id      TEXT NOT NULL REFERENCES devices (id),
  sequence       BIGINT NOT NULL,
  time           TEXT NOT NULL,
  model          TEXT NOT NULL,
  version        BIGINT NOT NULL,
  latency_micros BIGINT NOT NULL,
  request_id     TEXT,
  outputs_json   TEXT,
  received_at    BIGINT NOT NULL,
  inputs_json    TEXT,
  time_ms        BIGINT NOT NULL,
  PRIMARY KEY (device_id, sequence, time_ms)
) PARTITION BY RANGE (time_ms);
CREATE INDEX predictions_by_version ON predictions (model, version, time_ms, device_id, sequence);
CREATE INDEX predictions_by_device_time ON predictions (device_id, time_ms, sequence);
CREATE TABLE predictions_default PARTITION OF predictions DEFAULT;
-- Retention deletes the default partition's old rows in batches: by time, not by scanning it.
CREATE INDEX predictions_default_by_time ON predictions_default (time_ms);

DO $$
DECLARE
  today DATE := (now() AT TIME ZONE 'UTC')::date;
  day DATE := today - 90;
BEGIN
  WHILE day <= today + 7 LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF predictions FOR VALUES FROM (%s) TO (%s)',
      'predictions_p' || to_char(day, 'YYYYMMDD'),
      (extract(epoch FROM day::timestamp) * 1000)::bigint,
      (extract(epoch FROM (day + 1)::timestamp) * 1000)::bigint);
    day := day + 1;
  END LOOP;
END
$$;

-- The time as Java reads it: whole seconds from the text, then the fraction's first three digits
-- (rounding down, never up, so a resend of an old row computes the same key); a time PostgreSQL
-- cannot read (a year before 1 or past 9999) becomes 0.
INSERT INTO predictions (device_id, sequence, time, model, version, latency_micros, request_id,
                         outputs_json, received_at, inputs_json, time_ms)
SELECT device_id, sequence, time, model, version, latency_micros, request_id, outputs_json,
       received_at, inputs_json,
       CASE WHEN time ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$'
            AND substr(time, 1, 4) <> '0000'
         THEN (extract(epoch FROM (substr(time, 1, 19) || 'Z')::timestamptz) * 1000)::bigint
              + CASE WHEN substr(time, 20, 1) = '.'
                  THEN substr(rtrim(substr(time, 21), 'Z') || '000', 1, 3)::bigint
                  ELSE 0 END
         ELSE 0 END
FROM predictions_unpartitioned;
DROP TABLE predictions_unpartitioned;
