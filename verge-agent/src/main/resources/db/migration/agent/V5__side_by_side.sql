-- Versions served beside a model's default one, on their versioned paths only, as side-by-side
-- deployments ask (issue 8), so that a restart serves them again without the hub. Their bundles are
-- rows of `bundles`; they never raise models.highest_version, the anti-rollback floor of the default.
CREATE TABLE side_by_side_versions (
  model         TEXT NOT NULL,
  version       INTEGER NOT NULL,
  digest        TEXT NOT NULL,
  deployment_id INTEGER NOT NULL,
  changed_at    INTEGER NOT NULL,
  PRIMARY KEY (model, version)
);
