-- The device inventory: search by label selector, online/offline and keyset paging, on indexes.

-- The last hardware profile a device reported (a HardwareProfile as JSON), null before its first.
-- Its reserved labels (verge.io/arch, ...) are among the device's effective labels.
ALTER TABLE devices ADD COLUMN hardware_json TEXT;

-- Each device's effective labels, one row a label: the reported ones without the operator's
-- removals, the operator's set pairs, the hardware profile's reserved labels. The hub writes them
-- in the transaction that changes any of these, so a selector is a join on indexes.
CREATE TABLE device_labels (
  device_id TEXT NOT NULL REFERENCES devices (id),
  key       TEXT NOT NULL,
  value     TEXT NOT NULL,
  PRIMARY KEY (device_id, key)
);
CREATE INDEX device_labels_by_value ON device_labels (key, value, device_id);
-- key and value are far from independent (site=plant-7 is rare where site is everywhere): the
-- planner's estimate of a pair, which decides between the two plans of a search, needs both.
CREATE STATISTICS device_labels_pairs (mcv, ndistinct) ON key, value FROM device_labels;

-- Pages in enrollment order, and the online/offline filter on the last contact.
CREATE INDEX devices_by_enrollment ON devices (enrolled_at, id);
CREATE INDEX devices_by_last_seen ON devices (last_seen_at);

-- The labels of the devices enrolled so far (no device has a profile yet).
INSERT INTO device_labels (device_id, key, value)
  SELECT d.id, r.key, r.value
  FROM devices d, json_each_text(d.labels_json::json) r
  WHERE NOT (COALESCE(d.operator_labels_json::jsonb -> 'removed', '[]'::jsonb) ? r.key)
    AND NOT (COALESCE(d.operator_labels_json::jsonb -> 'set', '{}'::jsonb) ? r.key);
INSERT INTO device_labels (device_id, key, value)
  SELECT d.id, s.key, s.value
  FROM devices d, jsonb_each_text(COALESCE(d.operator_labels_json::jsonb -> 'set', '{}'::jsonb)) s;

-- A new profile changes the device's labels, and so maybe what it should run: V7's trigger tells
-- the other hubs of a label change, now of a profile change too.
DROP TRIGGER devices_relabelled ON devices;
CREATE TRIGGER devices_relabelled
  AFTER UPDATE ON devices
  FOR EACH ROW
  WHEN (OLD.labels_json IS DISTINCT FROM NEW.labels_json
        OR OLD.operator_labels_json IS DISTINCT FROM NEW.operator_labels_json
        OR OLD.hardware_json IS DISTINCT FROM NEW.hardware_json)
  EXECUTE FUNCTION verge_notify_device();
