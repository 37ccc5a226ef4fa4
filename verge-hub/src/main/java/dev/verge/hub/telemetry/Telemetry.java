package dev.verge.hub.telemetry;

import dev.verge.core.api.BatchAck;
import dev.verge.core.api.PredictionAggregates;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PredictionPage;
import dev.verge.core.api.PredictionRecord;
import dev.verge.hub.HubException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Prediction records forwarded by devices, stored exactly once although devices send at least once:
 * a batch is named by its idempotency key, a record by its device and sequence.
 */
public final class Telemetry {
  public static final int MAX_KEY_LENGTH = 200;
  public static final int MAX_BATCH_RECORDS = 10_000;

  /** The most predictions one page of a version's predictions holds. */
  public static final int MAX_PAGE = 1_000;

  /** The most buckets one aggregates answer holds (a day of minutes). */
  public static final int MAX_BUCKETS = 1_440;

  /**
   * The times a record may carry: years 1 to 9999, what both stores read back from the ISO-8601
   * text they keep, and well inside epoch milliseconds.
   */
  public static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

  /** The bucket widths the aggregates offer, by name. */
  public static final Map<String, Duration> BUCKETS =
      Map.of("1m", Duration.ofMinutes(1), "1h", Duration.ofHours(1), "1d", Duration.ofDays(1));

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
    Stored stored =
        store.recordBatch(
            deviceId,
            idempotencyKey,
            records.stream().map(Prediction::of).toList(),
            clock.instant().truncatedTo(ChronoUnit.MILLIS));
    BatchAck ack = new BatchAck(stored.added(), stored.duplicate());
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
    if (record.time().isBefore(EARLIEST) || record.time().isAfter(LATEST)) {
      throw new HubException.InvalidInput(
          where + ".time must be from " + EARLIEST + " to " + LATEST + ", got " + record.time());
    }
    if (record.model() == null || record.model().isBlank()) {
      throw new HubException.InvalidInput(where + ".model is required");
    }
  }

  /**
   * Up to {@code limit} (1 to {@link #MAX_PAGE}) of a version's predictions whose time is from
   * {@code from} (null: any) until {@code to} (null: any), of {@code deviceId} (null: every
   * device), oldest first, after {@code cursor} (null: from the first; else the {@code next} of the
   * page before).
   *
   * @throws HubException.InvalidInput naming a bad limit, range or cursor
   */
  public PredictionPage page(
      String model,
      long version,
      Instant from,
      Instant to,
      String deviceId,
      int limit,
      String cursor) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new HubException.InvalidInput("limit must be from 1 to " + MAX_PAGE + ", got " + limit);
    }
    VersionQuery query =
        query(model, version, from == null ? EARLIEST : from, to == null ? LATEST : to, deviceId);
    List<DevicePrediction> rows =
        store.versionPredictions(query, cursor == null ? null : decode(cursor), limit + 1);
    boolean more = rows.size() > limit;
    List<DevicePrediction> page = more ? rows.subList(0, limit) : rows;
    return new PredictionPage(
        page.stream()
            .map(p -> new PredictionPage.Item(p.deviceId(), record(p.prediction())))
            .toList(),
        more ? encode(page.getLast().key()) : null);
  }

  /**
   * A version's predictions per {@code bucket} ({@code 1m}, {@code 1h} or {@code 1d}) from {@code
   * from} (null: a day before {@code to}) until {@code to} (null: now), of {@code deviceId} (null:
   * every device); at most {@link #MAX_BUCKETS} buckets.
   *
   * @throws HubException.InvalidInput naming a bad bucket or range
   */
  public PredictionAggregates aggregates(
      String model, long version, Instant from, Instant to, String deviceId, String bucket) {
    Duration width = BUCKETS.get(bucket == null ? "1h" : bucket);
    if (width == null) {
      throw new HubException.InvalidInput(
          "bucket must be one of 1m, 1h or 1d, got '" + bucket + "'");
    }
    Instant end = to != null ? to : clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Instant start = from != null ? from : end.minus(Duration.ofDays(1));
    VersionQuery query = query(model, version, start, end, deviceId);
    long widthMs = width.toMillis();
    long buckets =
        Math.floorDiv(end.toEpochMilli() - 1, widthMs)
            - Math.floorDiv(start.toEpochMilli(), widthMs)
            + 1;
    if (buckets > MAX_BUCKETS) {
      throw new HubException.InvalidInput(
          "from "
              + start
              + " to "
              + end
              + " spans "
              + buckets
              + " buckets of "
              + (bucket == null ? "1h" : bucket)
              + "; at most "
              + MAX_BUCKETS
              + " are given at once: narrow the range or widen the bucket");
    }
    return new PredictionAggregates(
        model,
        version,
        start,
        end,
        bucket == null ? "1h" : bucket,
        deviceId,
        store.aggregates(query, width).stream()
            .map(
                b ->
                    new PredictionAggregates.Bucket(
                        b.start(),
                        b.count(),
                        (double) b.sumMicros() / b.count(),
                        b.minMicros(),
                        b.p50Micros(),
                        b.p95Micros(),
                        b.p99Micros(),
                        b.maxMicros()))
            .toList());
  }

  private static VersionQuery query(
      String model, long version, Instant from, Instant to, String deviceId) {
    if (!from.isBefore(to)) {
      throw new HubException.InvalidInput(
          "from must be before to, got from " + from + " and to " + to);
    }
    return new VersionQuery(model, version, from, to, deviceId);
  }

  private static PredictionRecord record(Prediction p) {
    return new PredictionRecord(
        p.sequence(),
        p.time(),
        p.model(),
        p.version(),
        p.latencyMicros(),
        p.requestId(),
        p.outputs(),
        p.inputs());
  }

  /** A page position as an opaque, URL-safe token: time, sequence, then the device id. */
  static String encode(PageKey key) {
    String text = key.timeMs() + "." + key.sequence() + "." + key.deviceId();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  static PageKey decode(String cursor) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      int first = text.indexOf('.');
      int second = text.indexOf('.', first + 1);
      if (first > 0 && second > first + 1 && second < text.length() - 1) {
        return new PageKey(
            Long.parseLong(text.substring(0, first)),
            text.substring(second + 1),
            Long.parseLong(text.substring(first + 1, second)));
      }
    } catch (IllegalArgumentException e) { // Base64 or a number; NumberFormatException is one.
      // Reported below.
    }
    throw new HubException.InvalidInput(
        "cursor is not one this hub handed out (pass a page's next as it came), got '"
            + (cursor.length() > 100 ? cursor.substring(0, 100) + "..." : cursor)
            + "'");
  }
}
