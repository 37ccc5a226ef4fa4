-- Events raised by pipelines' rules, kept until the hub has them (deleted on its acknowledgement).
CREATE TABLE events (
    sequence     INTEGER PRIMARY KEY AUTOINCREMENT,
    time         TEXT    NOT NULL,
    pipeline     TEXT    NOT NULL,
    rule         TEXT    NOT NULL,
    severity     TEXT    NOT NULL,
    message      TEXT,
    model        TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    details_json TEXT    NOT NULL
);

-- How far a pipeline has read a file (bytes of complete lines), and whether a folder's file is done.
CREATE TABLE source_progress (
    pipeline   TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (pipeline, path)
);
