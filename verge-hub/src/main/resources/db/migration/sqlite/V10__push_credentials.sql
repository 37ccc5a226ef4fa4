-- Each device's credential on the push broker (MQTT): mosquitto's own hash of it ($7$: PBKDF2-SHA512,
-- what mosquitto_passwd writes), never the password, which only the device holds. The hub writes
-- every row into the broker's password file; a new request replaces the row, so the old password
-- stops working at the broker's next reload.
CREATE TABLE push_credentials (
  device_id     TEXT PRIMARY KEY REFERENCES devices (id),
  password_hash TEXT NOT NULL,
  issued_ms     BIGINT NOT NULL
);
