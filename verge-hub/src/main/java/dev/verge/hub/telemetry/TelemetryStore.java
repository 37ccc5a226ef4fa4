package dev.verge.hub.telemetry;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Predictions forwarded by devices. Safe for concurrent use; each method is one transaction.
 * Failures are {@link dev.verge.hub.HubException.StoreFailure} or {@link
 * dev.verge.hub.HubException.StoreBusy}.
 */
public interface TelemetryStore {
  /**
   * Stores a batch exactly once: if the device sent {@code idempotencyKey} before, nothing changes
   * and the outcome says duplicate; otherwise the key is recorded and every record whose sequence
   * the device has not stored yet is added.
   */
  Stored recordBatch(
      String deviceId, String idempotencyKey, List<Prediction> records, Instant receivedAt);

  /** Up to {@code limit} of the device's records with a sequence above {@code afterSequence}. */
  List<Prediction> predictions(String deviceId, long afterSequence, int limit);

  /** How many records the device has stored; a cost independent of that number. */
  long storedCount(String deviceId);

  /** Of these devices (a page's worth), each with any stored records and how many. */
  Map<String, Long> storedCounts(Collection<String> deviceIds);
}
