-- Rollouts (hub.rollout): a deployment becomes a persisted state machine with waves of devices.
-- Existing deployments were sent to every matching device at once: they become COMPLETED rollouts
-- with one wave holding the devices their (equality) selector matches now.

ALTER TABLE deployments ADD COLUMN selector TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN plan_json TEXT;
ALTER TABLE deployments ADD COLUMN window_json TEXT;
ALTER TABLE deployments ADD COLUMN max_downloads INTEGER;
ALTER TABLE deployments ADD COLUMN bundle_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN bundle_size INTEGER NOT NULL DEFAULT 0;
-- A RolloutPhase name; paused_from is the phase a PAUSED rollout resumes to.
ALTER TABLE deployments ADD COLUMN phase TEXT NOT NULL DEFAULT 'COMPLETED';
ALTER TABLE deployments ADD COLUMN paused_from TEXT;
ALTER TABLE deployments ADD COLUMN current_wave INTEGER;
ALTER TABLE deployments ADD COLUMN reason TEXT;
-- Bumped by every change: writers compare and set, so a stale engine step never overwrites an
-- operator's action.
ALTER TABLE deployments ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

UPDATE deployments SET
  selector = COALESCE(
    (SELECT group_concat(key || '=' || value, ',')
       FROM (SELECT key, value FROM json_each(deployments.selector_json) ORDER BY key)),
    ''),
  bundle_digest = (SELECT m.bundle_digest FROM model_versions m
                    WHERE m.name = deployments.model AND m.version = deployments.version),
  bundle_size = (SELECT m.bundle_size FROM model_versions m
                  WHERE m.name = deployments.model AND m.version = deployments.version),
  current_wave = 0,
  reason = 'sent to every targeted device at once (before rollouts)';

CREATE TABLE rollout_waves (
  deployment_id INTEGER NOT NULL REFERENCES deployments (id),
  idx           INTEGER NOT NULL,
  name          TEXT NOT NULL,
  target        TEXT NOT NULL,
  phase         TEXT NOT NULL,
  started_at    INTEGER,
  soak_until    INTEGER,
  gates_json    TEXT NOT NULL,
  PRIMARY KEY (deployment_id, idx)
);

-- A device of a rollout: its wave, when it was given the version (null: not yet), the version it
-- ran before (where a rollback sends it), and its last known state.
CREATE TABLE rollout_members (
  deployment_id    INTEGER NOT NULL REFERENCES deployments (id),
  device_id        TEXT NOT NULL REFERENCES devices (id),
  wave             INTEGER NOT NULL,
  released_at      INTEGER,
  previous_version INTEGER,
  state            TEXT NOT NULL,
  reason           TEXT,
  active_version   INTEGER,
  state_since      INTEGER NOT NULL,
  PRIMARY KEY (deployment_id, device_id)
);
-- The desired-state lookup: a device's assignments.
CREATE INDEX rollout_members_by_device ON rollout_members (device_id);

CREATE TABLE rollout_transitions (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment_id INTEGER NOT NULL REFERENCES deployments (id),
  at            INTEGER NOT NULL,
  from_phase    TEXT,
  to_phase      TEXT NOT NULL,
  wave          INTEGER,
  reason        TEXT NOT NULL
);
CREATE INDEX rollout_transitions_by_deployment ON rollout_transitions (deployment_id, seq);

-- Which hub advances a rollout, until when (epoch ms). See docs/architecture.md, "Rollout engine".
CREATE TABLE rollout_leases (
  deployment_id INTEGER PRIMARY KEY REFERENCES deployments (id),
  owner         TEXT NOT NULL,
  expires_at    INTEGER NOT NULL
);

INSERT INTO rollout_waves (deployment_id, idx, name, target, phase, started_at, soak_until, gates_json)
  SELECT id, 0, 'all', '100%', 'PASSED', created_at, created_at, '[]' FROM deployments;

INSERT INTO rollout_members
    (deployment_id, device_id, wave, released_at, previous_version, state, reason, active_version,
     state_since)
  SELECT d.id, v.id, 0, d.created_at, NULL, 'PENDING', NULL, NULL, d.created_at
    FROM deployments d JOIN devices v
   WHERE NOT EXISTS (
     SELECT 1 FROM json_each(d.selector_json) s
      WHERE json_extract(v.labels_json, '$."' || s.key || '"') IS NOT s.value);

INSERT INTO rollout_transitions (deployment_id, at, from_phase, to_phase, wave, reason)
  SELECT id, created_at, NULL, 'COMPLETED', 0, 'sent to every targeted device at once (before rollouts)'
    FROM deployments;

ALTER TABLE deployments DROP COLUMN selector_json;
