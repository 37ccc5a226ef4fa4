-- Per model, the health counters of its active version since it was activated (what the hub's
-- rollout gates read), saved with each report and at close so that they survive a restart. One
-- row per model: activating a new version replaces the row. latency_json holds one count per
-- LatencyBuckets bucket; outputs_json maps "<output>[<column>]" to {"sum": .., "count": ..}.
CREATE TABLE version_stats (
  model         TEXT PRIMARY KEY,
  version       INTEGER NOT NULL,
  deployment_id INTEGER,
  activated_at  INTEGER NOT NULL,
  requests      INTEGER NOT NULL,
  errors        INTEGER NOT NULL,
  latency_json  TEXT NOT NULL,
  outputs_json  TEXT NOT NULL
);
