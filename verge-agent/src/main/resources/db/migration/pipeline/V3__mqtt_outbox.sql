-- Firings an MQTT action publishes, kept until the broker acknowledged them (PUBACK or PUBCOMP),
-- then deleted, so that a broker away for hours, or a restart, loses none. "outlet" names the
-- pipeline, broker and topic a row is for.
CREATE TABLE mqtt_outbox (
    sequence     INTEGER PRIMARY KEY AUTOINCREMENT,
    outlet       TEXT    NOT NULL,
    payload      BLOB    NOT NULL
);
CREATE INDEX mqtt_outbox_by_outlet ON mqtt_outbox (outlet, sequence);
