-- A prediction's inputs as the device forwarded them, when its capture policy records them.
ALTER TABLE predictions ADD COLUMN inputs_json TEXT;
