-- Readings applications pushed to a pipeline over HTTP, kept until a cycle has recorded their
-- predictions (then deleted), so that an accepted reading survives a crash or a power cut.
CREATE TABLE pushed_readings (
    sequence    INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline    TEXT    NOT NULL,
    fields_json TEXT    NOT NULL
);
CREATE INDEX pushed_readings_by_pipeline ON pushed_readings (pipeline, sequence);
