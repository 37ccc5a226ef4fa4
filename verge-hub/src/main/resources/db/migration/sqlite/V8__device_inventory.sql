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

-- Pages in enrollment order, and the online/offline filter on the last contact.
CREATE INDEX devices_by_enrollment ON devices (enrolled_at, id);
CREATE INDEX devices_by_last_seen ON devices (last_seen_at);

-- The labels of the devices enrolled so far (no device has a profile yet).
INSERT INTO device_labels (device_id, key, value)
  SELECT d.id, r.key, r.value
  FROM devices d, json_each(d.labels_json) r
  WHERE NOT EXISTS (
      SELECT 1 FROM json_each(d.operator_labels_json, '$.removed') x WHERE x.value = r.key)
    AND NOT EXISTS (
      SELECT 1 FROM json_each(d.operator_labels_json, '$.set') s WHERE s.key = r.key);
INSERT INTO device_labels (device_id, key, value)
  SELECT d.id, s.key, s.value
  FROM devices d, json_each(d.operator_labels_json, '$.set') s;
