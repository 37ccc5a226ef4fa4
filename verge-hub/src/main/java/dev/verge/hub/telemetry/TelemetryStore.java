package dev.verge.hub.telemetry;

import java.time.Duration;
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

  /**
   * Up to {@code limit} of the predictions {@code query} selects, in (time, device, sequence)
   * order, after {@code after} (null: from the first). Read on an index, never more than {@code
   * limit} rows.
   */
  List<DevicePrediction> versionPredictions(VersionQuery query, PageKey after, int limit);

  /**
   * The predictions {@code query} selects, per bucket of {@code bucket} (buckets start at whole
   * multiples of it since the epoch, in UTC), oldest first; buckets without any are left out.
   */
  List<LatencyBucket> aggregates(VersionQuery query, Duration bucket);

  /**
   * One round of upkeep at {@code now}: on PostgreSQL, the day partitions from a week back to a
   * week ahead are created where missing and those wholly older than {@code retention} dropped; on
   * both, predictions older than {@code retention} outside a droppable partition are deleted in
   * bounded batches. The stored counts ({@link #storedCount}) go down by what went. {@code
   * retention} zero keeps every prediction. Safe beside ingestion and beside other hubs doing the
   * same.
   */
  Maintained maintain(Instant now, Duration retention);
}
