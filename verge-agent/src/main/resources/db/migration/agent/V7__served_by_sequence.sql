-- From here on 'predictions_served' counts only the predictions served and not recorded (sampled
-- out, rate-limited, dropped); the recorded ones are counted by the predictions table's
-- AUTOINCREMENT sequence, which SQLite advances in the same transaction as each insert and never
-- takes back, pruning included. Served = the counter + the sequence. Recording a batch then writes
-- no counters page: one page fewer in every fsynced commit of the capture writer.
UPDATE counters
SET value = value - COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'predictions'), 0)
WHERE name = 'predictions_served';
