-- Side-by-side deployments (issue 8): the version is served beside the model's default version on
-- its versioned paths, instead of replacing it. Every earlier deployment replaced it.
ALTER TABLE deployments ADD COLUMN side_by_side INTEGER NOT NULL DEFAULT 0;
