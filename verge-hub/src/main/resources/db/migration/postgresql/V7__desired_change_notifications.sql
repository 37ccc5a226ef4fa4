-- Every change that can change what a device should run tells every hub listening on channel
-- verge_desired, at commit (NOTIFY is transactional: a change rolled back tells no one, and one
-- committed by a hub that dies right after still reaches the others). Hubs remember each
-- device's desired-state revision and answer unchanged polls from memory, so they must hear of
-- every such change: 'd:<device id>' for one device, 'r:<deployment id>' when a rollout's phase
-- starts or stops sending its devices back (the hubs then forget every revision).
-- What the desired state depends on: a member's released_at and previous_version, the rollout's
-- rolled-back phases, and the device's labels (rollouts' selectors and versions never change).

CREATE FUNCTION verge_notify_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('verge_desired', 'd:' || OLD.device_id);
    RETURN OLD;
  END IF;
  PERFORM pg_notify('verge_desired', 'd:' || NEW.device_id);
  RETURN NEW;
END
$$;

CREATE TRIGGER rollout_members_added_or_removed
  AFTER INSERT OR DELETE ON rollout_members
  FOR EACH ROW EXECUTE FUNCTION verge_notify_member();

CREATE TRIGGER rollout_members_released
  AFTER UPDATE ON rollout_members
  FOR EACH ROW
  WHEN (OLD.released_at IS DISTINCT FROM NEW.released_at
        OR OLD.previous_version IS DISTINCT FROM NEW.previous_version)
  EXECUTE FUNCTION verge_notify_member();

CREATE FUNCTION verge_notify_device() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('verge_desired', 'd:' || NEW.id);
  RETURN NEW;
END
$$;

CREATE TRIGGER devices_relabelled
  AFTER UPDATE ON devices
  FOR EACH ROW
  WHEN (OLD.labels_json IS DISTINCT FROM NEW.labels_json
        OR OLD.operator_labels_json IS DISTINCT FROM NEW.operator_labels_json)
  EXECUTE FUNCTION verge_notify_device();

CREATE FUNCTION verge_notify_rollout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('verge_desired', 'r:' || NEW.id);
  RETURN NEW;
END
$$;

CREATE TRIGGER deployments_rolled_back_or_not
  AFTER UPDATE ON deployments
  FOR EACH ROW
  WHEN ((OLD.phase IN ('ROLLING_BACK', 'ROLLED_BACK'))
        IS DISTINCT FROM (NEW.phase IN ('ROLLING_BACK', 'ROLLED_BACK')))
  EXECUTE FUNCTION verge_notify_rollout();
