-- A version on trial journals its health check's progress (issue 9, a power-cut finding): answered
-- counts the requests it answered successfully, over all its runs, and answered_before that count
-- when the current run began. A start that finds answered above answered_before knows the last run
-- served the version, so that run is no crash and does not count towards the crash-loop limit.
ALTER TABLE install_journal ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE install_journal ADD COLUMN answered_before INTEGER NOT NULL DEFAULT 0;
