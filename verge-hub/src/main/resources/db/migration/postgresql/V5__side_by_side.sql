-- Side-by-side deployments: the version is served beside the model's default version.
ALTER TABLE deployments ADD COLUMN side_by_side BOOLEAN NOT NULL DEFAULT FALSE;
