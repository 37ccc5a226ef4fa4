-- A prediction's inputs, as a JSON array of protocol input tensors, when the model's capture policy
-- records them (capture-inputs); null when it does not.
ALTER TABLE predictions ADD COLUMN inputs_json TEXT;
