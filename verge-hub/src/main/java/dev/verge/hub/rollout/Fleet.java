package dev.verge.hub.rollout;

import dev.verge.hub.device.Device;
import java.util.List;
import java.util.Optional;

/** What the rollout engine reads about devices: their labels, last contact and last report. */
public interface Fleet {
  List<Device> devices();

  Optional<Device> device(String id);

  /** A published version's bundle: where a rollback sends a device back to. */
  Optional<Bundle> bundle(String model, long version);

  /** The digest and size of a published version's bundle. */
  record Bundle(String digest, long size) {}
}
