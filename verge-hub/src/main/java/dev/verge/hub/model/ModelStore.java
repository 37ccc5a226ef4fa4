package dev.verge.hub.model;

import dev.verge.hub.store.Created;
import java.util.List;
import java.util.Optional;

/**
 * Publisher keys and published model versions. Safe for concurrent use; each method is one
 * transaction. Failures are {@link dev.verge.hub.HubException.StoreFailure} or {@link
 * dev.verge.hub.HubException.StoreBusy}. Instants are kept to the millisecond.
 */
public interface ModelStore {
  /** Adds the key unless its key id is known; the stored key either way. */
  Created<RegisteredKey> addPublisherKey(RegisteredKey key);

  /** Keys in the order they were added. */
  List<RegisteredKey> publisherKeys();

  /** Adds the version unless its name and version are taken; the stored version either way. */
  Created<ModelVersion> addModelVersion(ModelVersion version);

  Optional<ModelVersion> modelVersion(String name, long version);

  /** Every version, by name then version. */
  List<ModelVersion> modelVersions();

  /** The versions of one model, ascending. */
  List<ModelVersion> modelVersions(String name);

  Optional<ModelVersion> modelVersionByDigest(String bundleDigest);
}
