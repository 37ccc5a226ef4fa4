-- A prediction's inputs as the device forwarded them (a JSON array of protocol input tensors), when
-- the device's capture policy records them; null otherwise and for every earlier prediction.
ALTER TABLE predictions ADD COLUMN inputs_json TEXT;
