-- The installation journal (issue 9): per model at most two rows, the install of a new default
-- version under way (on_trial = 0) at the last step it reached (DOWNLOAD, VERIFY, STAGE, LOAD,
-- ACTIVATE), and the active version while it serves on trial (on_trial = 1, step HEALTH) until its
-- health check commits it. A committed version has no row, so a model without a trial row serves a
-- version it trusts. runs counts the process runs that loaded the version without committing it
-- (the boot counter of RAUC and Mender, for a model); previous_* name the committed version to go
-- back to. Each step is its own transaction, and a lost WAL tail after a power cut is a suffix of
-- them: the journal always holds a step it reached.
CREATE TABLE install_journal (
  model            TEXT NOT NULL,
  on_trial         INTEGER NOT NULL,
  version          INTEGER NOT NULL,
  digest           TEXT NOT NULL,
  deployment_id    INTEGER,
  step             TEXT NOT NULL,
  runs             INTEGER NOT NULL,
  previous_version INTEGER,
  previous_digest  TEXT,
  health_since     INTEGER,
  changed_at       INTEGER NOT NULL,
  PRIMARY KEY (model, on_trial)
);

-- Per model, the version the device refused or rolled back from by itself (it failed to load or to
-- warm up, crashed the agent, or failed its health check), with why: it is not installed again until
-- the hub asks for another version or deployment of the model.
CREATE TABLE refused_versions (
  model         TEXT PRIMARY KEY,
  version       INTEGER NOT NULL,
  digest        TEXT NOT NULL,
  deployment_id INTEGER,
  check_name    TEXT NOT NULL,
  reason        TEXT NOT NULL,
  refused_at    INTEGER NOT NULL
);

-- When each kept bundle last became its model's committed version: bundle garbage collection keeps the
-- active version and the most recently committed others. Null for one never committed (or committed
-- before this column existed: then its install time orders it).
ALTER TABLE bundles ADD COLUMN committed_at INTEGER;
