-- A prediction the hub refuses on its own (400, 413 or 422 for a batch of one) is kept, marked
-- synced = 2 with the hub's reason, so one bad record cannot block forwarding for good.
ALTER TABLE predictions ADD COLUMN rejected_reason TEXT;
