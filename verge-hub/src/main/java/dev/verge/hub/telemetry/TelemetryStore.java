package dev.verge.hub.telemetry;

import dev.verge.core.api.BatchAck;
import dev.verge.core.api.PredictionRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Prediction records forwarded by devices, kept as the devices sent them. Safe for concurrent use;
 * each method is one transaction. Failures are {@link dev.verge.hub.HubException.StoreFailure} or
 * {@link dev.verge.hub.HubException.StoreBusy}.
 */
public interface TelemetryStore {
  /**
   * Stores a batch exactly once: if the device sent {@code idempotencyKey} before, nothing changes
   * and the ack says duplicate; otherwise the key is recorded and every record whose sequence the
   * device has not stored yet is added.
   */
  BatchAck recordBatch(
      String deviceId, String idempotencyKey, List<PredictionRecord> records, Instant receivedAt);

  /** Up to {@code limit} of the device's records with a sequence above {@code afterSequence}. */
  List<PredictionRecord> predictions(String deviceId, long afterSequence, int limit);

  /** How many records the device has stored; a cost independent of that number. */
  long storedCount(String deviceId);

  /** Per device with any stored records, how many. */
  Map<String, Long> storedCounts();
}
