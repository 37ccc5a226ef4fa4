package dev.verge.hub.telemetry;

import dev.verge.core.api.BatchAck;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PredictionRecord;
import dev.verge.hub.HubException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Prediction records forwarded by devices, stored exactly once although devices send at least once:
 * a batch is named by its idempotency key, a record by its device and sequence.
 */
public final class Telemetry {
  public static final int MAX_KEY_LENGTH = 200;
  public static final int MAX_BATCH_RECORDS = 10_000;

  private final TelemetryStore store;
  private final Clock clock;
  private final IngestListener listener;

  public Telemetry(TelemetryStore store, Clock clock) {
    this(store, clock, IngestListener.NONE);
  }

  public Telemetry(TelemetryStore store, Clock clock, IngestListener listener) {
    this.store = store;
    this.clock = clock;
    this.listener = listener;
  }

  /**
   * @throws HubException.InvalidInput when the key is missing or too long, or a record is invalid
   */
  public BatchAck record(String deviceId, String idempotencyKey, PredictionBatch batch) {
    if (idempotencyKey == null || idempotencyKey.isEmpty()) {
      throw new HubException.InvalidInput(
          "the Idempotency-Key header is required (1-" + MAX_KEY_LENGTH + " characters)");
    }
    if (idempotencyKey.length() > MAX_KEY_LENGTH) {
      throw new HubException.InvalidInput(
          "the Idempotency-Key header must be at most "
              + MAX_KEY_LENGTH
              + " characters, got "
              + idempotencyKey.length());
    }
    if (batch == null) {
      throw new HubException.InvalidInput(
          "the request body is empty; expected a JSON PredictionBatch");
    }
    List<PredictionRecord> records = batch.records();
    if (records.size() > MAX_BATCH_RECORDS) {
      throw new HubException.InvalidInput(
          "a batch may hold at most " + MAX_BATCH_RECORDS + " records, got " + records.size());
    }
    for (int i = 0; i < records.size(); i++) {
      requireValid(records.get(i), i);
    }
    BatchAck ack =
        store.recordBatch(
            deviceId, idempotencyKey, records, clock.instant().truncatedTo(ChronoUnit.MILLIS));
    listener.ingested(ack);
    return ack;
  }

  private static void requireValid(PredictionRecord record, int index) {
    String where = "records[" + index + "]";
    if (record == null) {
      throw new HubException.InvalidInput(where + " is null");
    }
    if (record.sequence() < 0) {
      throw new HubException.InvalidInput(
          where + ".sequence must be 0 or more, got " + record.sequence());
    }
    if (record.time() == null) {
      throw new HubException.InvalidInput(where + ".time is required");
    }
    if (record.model() == null || record.model().isBlank()) {
      throw new HubException.InvalidInput(where + ".model is required");
    }
  }
}
