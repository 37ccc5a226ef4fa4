package dev.verge.hub.store;

import dev.verge.core.api.BatchAck;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.api.PublisherKeyView;
import dev.verge.core.api.ReportedState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything the hub keeps, behind one interface so that another database can replace SQLite.
 * Implementations are safe for concurrent use, and each method is one transaction. Failures are
 * {@link dev.verge.hub.HubException.StoreFailure} or, when the database stays busy, {@link
 * dev.verge.hub.HubException.StoreBusy}. Instants are kept to the millisecond.
 */
public interface HubStore extends AutoCloseable {

  // Hub settings.

  Optional<String> adminTokenHash();

  /** Sets the admin token's hash unless one is set already; true when this call set it. */
  boolean initAdminTokenHash(String sha256);

  // Publisher keys.

  /** Adds the key unless its key id is known; the stored key either way. */
  Created<PublisherKeyView> addPublisherKey(PublisherKeyView key);

  /** Keys in the order they were added. */
  List<PublisherKeyView> publisherKeys();

  // Model versions.

  /** Adds the version unless its name and version are taken; the stored version either way. */
  Created<ModelVersionView> addModelVersion(ModelVersionView version);

  Optional<ModelVersionView> modelVersion(String name, long version);

  /** Every version, by name then version. */
  List<ModelVersionView> modelVersions();

  /** The versions of one model, ascending. */
  List<ModelVersionView> modelVersions(String name);

  Optional<ModelVersionView> modelVersionByDigest(String bundleDigest);

  // Enrollment and devices.

  void addEnrollmentToken(String tokenHash, Instant createdAt, Instant expiresAt, String note);

  /**
   * Uses up the enrollment token and adds the device, atomically: of several calls with one token,
   * at most one succeeds.
   *
   * @return false, adding nothing, when the token is unknown, used or expired at {@code now}
   */
  boolean enroll(String tokenHash, Instant now, NewDevice device);

  Optional<String> deviceIdByCredential(String credentialHash);

  Optional<DeviceView> device(String id);

  /** Every device, in enrollment order. */
  List<DeviceView> devices();

  void touchDevice(String id, Instant seenAt);

  /**
   * Keeps the report; its labels, when not null, replace the device's labels.
   *
   * @return false, saving nothing, when no device has this id
   */
  boolean saveReported(String id, ReportedState state, Instant reportedAt);

  // Telemetry.

  /**
   * Stores a batch exactly once: if the device sent {@code idempotencyKey} before, nothing changes
   * and the ack says duplicate; otherwise the key is recorded and every record whose sequence the
   * device has not stored yet is added.
   */
  BatchAck recordBatch(
      String deviceId, String idempotencyKey, List<PredictionRecord> records, Instant receivedAt);

  /** Up to {@code limit} of the device's records with a sequence above {@code afterSequence}. */
  List<PredictionRecord> predictions(String deviceId, long afterSequence, int limit);

  @Override
  void close();
}
