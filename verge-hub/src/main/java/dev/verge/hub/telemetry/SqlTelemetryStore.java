package dev.verge.hub.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreJson;
import java.io.IOException;
import java.io.StringReader;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * {@link TelemetryStore} in the {@code prediction_batches}, {@code predictions} and {@code
 * prediction_counts} tables. A record's own time is kept as the ISO-8601 text the device sent.
 *
 * <p>A batch's records go in as one JDBC batch of {@code INSERT ... ON CONFLICT DO NOTHING} on
 * SQLite. On PostgreSQL they are streamed with {@code COPY} (CSV) into a temporary table that
 * empties at commit, then moved with one {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING}: COPY
 * cannot skip the records a resend already stored, and this keeps each (device, sequence) once
 * while sending the rows in one stream instead of a statement each.
 */
public final class SqlTelemetryStore implements TelemetryStore {
  private static final String COLUMNS =
      "device_id, sequence, time, model, version, latency_micros, request_id, outputs_json,"
          + " inputs_json, received_at, time_ms";
  private static final RowMapper<Prediction> RECORD =
      (rs, ctx) ->
          new Prediction(
              rs.getLong("sequence"),
              Instant.parse(rs.getString("time")),
              rs.getString("model"),
              rs.getLong("version"),
              rs.getLong("latency_micros"),
              rs.getString("request_id"),
              StoreJson.read(
                  rs.getString("outputs_json"), JsonNode.class, "predictions.outputs_json"),
              StoreJson.read(
                  rs.getString("inputs_json"), JsonNode.class, "predictions.inputs_json"));

  /** Rows deleted per transaction by retention, and batches per round (the next round goes on). */
  static final int DELETE_BATCH = 10_000;

  static final int MAX_DELETE_BATCHES = 50;

  private final Database db;
  private final boolean copy;

  public SqlTelemetryStore(Database db) {
    this(db, db.engine() == Database.Engine.POSTGRESQL);
  }

  /** With {@code copy} false, PostgreSQL gets the INSERT batch too (IngestBenchmark compares). */
  public SqlTelemetryStore(Database db, boolean copy) {
    if (copy && db.engine() != Database.Engine.POSTGRESQL) {
      throw new IllegalArgumentException("COPY is PostgreSQL's");
    }
    this.db = db;
    this.copy = copy;
  }

  @Override
  public Stored recordBatch(
      String deviceId, String idempotencyKey, List<Prediction> records, Instant receivedAt) {
    return db.write(
        h -> {
          int keyed =
              h.createUpdate(
                      "INSERT INTO prediction_batches (device_id, idempotency_key, received_at,"
                          + " accepted) VALUES (:device, :key, :receivedAt, 0)"
                          + " ON CONFLICT DO NOTHING")
                  .bind("device", deviceId)
                  .bind("key", idempotencyKey)
                  .bind("receivedAt", receivedAt)
                  .execute();
          if (keyed == 0) {
            return new Stored(0, true);
          }
          int accepted =
              records.isEmpty()
                  ? 0
                  : copy
                      ? copyIn(h, deviceId, records, receivedAt)
                      : insert(h, deviceId, records, receivedAt);
          h.createUpdate(
                  "UPDATE prediction_batches SET accepted = :accepted"
                      + " WHERE device_id = :device AND idempotency_key = :key")
              .bind("accepted", accepted)
              .bind("device", deviceId)
              .bind("key", idempotencyKey)
              .execute();
          if (accepted > 0) {
            h.createUpdate(
                    "INSERT INTO prediction_counts (device_id, stored) VALUES (:device, :added)"
                        + " ON CONFLICT (device_id) DO UPDATE SET stored = prediction_counts.stored + excluded.stored")
                .bind("device", deviceId)
                .bind("added", accepted)
                .execute();
          }
          return new Stored(accepted, false);
        });
  }

  private static int insert(
      Handle h, String deviceId, List<Prediction> records, Instant receivedAt) {
    PreparedBatch add =
        h.prepareBatch(
            "INSERT INTO predictions ("
                + COLUMNS
                + ") VALUES (:device, :sequence, :time, :model, :version, :latencyMicros,"
                + " :requestId, :outputs, :inputs, :receivedAt, :timeMs) ON CONFLICT DO NOTHING");
    for (Prediction r : records) {
      add.bindMethods(r)
          .bind("device", deviceId)
          .bind("time", r.time().toString())
          .bind("outputs", r.outputs() == null ? null : StoreJson.write(r.outputs()))
          .bind("inputs", r.inputs() == null ? null : StoreJson.write(r.inputs()))
          .bind("receivedAt", receivedAt)
          .bind("timeMs", r.time().toEpochMilli())
          .add();
    }
    int accepted = 0;
    for (int added : add.execute()) {
      accepted += added;
    }
    return accepted;
  }

  private static int copyIn(
      Handle h, String deviceId, List<Prediction> records, Instant receivedAt) {
    h.execute(
        "CREATE TEMP TABLE IF NOT EXISTS prediction_staging"
            + " (LIKE predictions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
    StringBuilder csv = new StringBuilder(records.size() * 128);
    String device = csv(deviceId);
    long received = receivedAt.toEpochMilli();
    for (Prediction r : records) {
      csv.append(device)
          .append(',')
          .append(r.sequence())
          .append(',')
          .append(csv(r.time().toString()))
          .append(',')
          .append(csv(r.model()))
          .append(',')
          .append(r.version())
          .append(',')
          .append(r.latencyMicros())
          .append(',')
          .append(csv(r.requestId()))
          .append(',')
          .append(csv(r.outputs() == null ? null : StoreJson.write(r.outputs())))
          .append(',')
          .append(csv(r.inputs() == null ? null : StoreJson.write(r.inputs())))
          .append(',')
          .append(received)
          .append(',')
          .append(r.time().toEpochMilli())
          .append('\n');
    }
    try {
      CopyManager copy = h.getConnection().unwrap(PGConnection.class).getCopyAPI();
      copy.copyIn(
          "COPY prediction_staging (" + COLUMNS + ") FROM STDIN (FORMAT csv)",
          new StringReader(csv.toString()));
    } catch (SQLException | IOException e) {
      throw new UnableToExecuteStatementException("COPY into prediction_staging failed", e, null);
    }
    return h.createUpdate(
            "INSERT INTO predictions ("
                + COLUMNS
                + ") SELECT "
                + COLUMNS
                + " FROM prediction_staging ON CONFLICT DO NOTHING")
        .execute();
  }

  /** A CSV field as PostgreSQL's COPY reads it: unquoted empty is NULL, quoted is text. */
  private static String csv(String value) {
    return value == null ? "" : '"' + value.replace("\"", "\"\"") + '"';
  }

  @Override
  public List<Prediction> predictions(String deviceId, long afterSequence, int limit) {
    return db.read(
        h ->
            h.createQuery(
                    "SELECT sequence, time, model, version, latency_micros, request_id,"
                        + " outputs_json, inputs_json FROM predictions"
                        + " WHERE device_id = :device AND sequence > :after"
                        + " ORDER BY sequence LIMIT :limit")
                .bind("device", deviceId)
                .bind("after", afterSequence)
                .bind("limit", limit)
                .map(RECORD)
                .list());
  }

  @Override
  public long storedCount(String deviceId) {
    return db.read(
        h ->
            h.createQuery("SELECT stored FROM prediction_counts WHERE device_id = :device")
                .bind("device", deviceId)
                .mapTo(Long.class)
                .findOne()
                .orElse(0L));
  }

  @Override
  public Map<String, Long> storedCounts(Collection<String> deviceIds) {
    if (deviceIds.isEmpty()) {
      return Map.of();
    }
    return db.read(
        h -> {
          Map<String, Long> counts = new HashMap<>();
          h.createQuery(
                  "SELECT device_id, stored FROM prediction_counts WHERE device_id IN (<ids>)")
              .bindList("ids", List.copyOf(deviceIds))
              .map((rs, ctx) -> Map.entry(rs.getString("device_id"), rs.getLong("stored")))
              .forEach(e -> counts.put(e.getKey(), e.getValue()));
          return counts;
        });
  }

  @Override
  public List<DevicePrediction> versionPredictions(VersionQuery query, PageKey after, int limit) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT device_id, time_ms, sequence, time, model, version, latency_micros,"
                + " request_id, outputs_json, inputs_json FROM predictions"
                + " WHERE model = :model AND version = :version"
                + " AND time_ms >= :from AND time_ms < :to");
    if (query.deviceId() != null) {
      sql.append(" AND device_id = :device");
    }
    if (after != null) {
      // A row value after the page before. SQLite seeks the index on one lower bound of time_ms
      // only, so :from is raised to the page's time below rather than given as a second bound.
      sql.append(
          " AND (time_ms, device_id, sequence) > (:afterTime, :afterDevice, :afterSequence)");
    }
    sql.append(" ORDER BY time_ms, device_id, sequence LIMIT :limit");
    return db.read(
        h -> {
          var q = bindQuery(h.createQuery(sql.toString()), query).bind("limit", limit);
          if (after != null) {
            q.bind("from", Math.max(query.from().toEpochMilli(), after.timeMs()))
                .bind("afterTime", after.timeMs())
                .bind("afterDevice", after.deviceId())
                .bind("afterSequence", after.sequence());
          }
          return q.map(
                  (rs, ctx) ->
                      new DevicePrediction(
                          rs.getString("device_id"), rs.getLong("time_ms"), RECORD.map(rs, ctx)))
              .list();
        });
  }

  private static <S extends org.jdbi.v3.core.statement.SqlStatement<S>> S bindQuery(
      S statement, VersionQuery query) {
    statement
        .bind("model", query.model())
        .bind("version", query.version())
        .bind("from", query.from().toEpochMilli())
        .bind("to", query.to().toEpochMilli());
    if (query.deviceId() != null) {
      statement.bind("device", query.deviceId());
    }
    return statement;
  }

  /**
   * One pass over the selected rows on the version index: each row's bucket counted from {@code
   * origin} (so the division never sees a negative number, which SQL truncates towards zero), and
   * its rank by latency in its bucket, so the nearest-rank percentiles are the rows whose rank is
   * ceil(p * n), in integer arithmetic both dialects share.
   */
  @Override
  public List<LatencyBucket> aggregates(VersionQuery query, Duration bucket) {
    long width = bucket.toMillis();
    if (width <= 0) {
      throw new IllegalArgumentException("bucket must be positive, got " + bucket);
    }
    long origin = Math.floorDiv(query.from().toEpochMilli(), width) * width;
    String where =
        " WHERE model = :model AND version = :version AND time_ms >= :from AND time_ms < :to"
            + (query.deviceId() != null ? " AND device_id = :device" : "");
    String sql =
        "WITH r AS (SELECT (time_ms - :origin) / :width AS b, latency_micros AS l,"
            + " ROW_NUMBER() OVER (PARTITION BY (time_ms - :origin) / :width"
            + " ORDER BY latency_micros) AS rn,"
            + " COUNT(*) OVER (PARTITION BY (time_ms - :origin) / :width) AS n"
            + " FROM predictions"
            + where
            + ") SELECT b, MAX(n) AS n, MIN(l) AS lo, MAX(l) AS hi, SUM(l) AS total,"
            + " MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN l END) AS p50,"
            + " MAX(CASE WHEN rn = (n * 95 + 99) / 100 THEN l END) AS p95,"
            + " MAX(CASE WHEN rn = (n * 99 + 99) / 100 THEN l END) AS p99"
            + " FROM r GROUP BY b ORDER BY b";
    return db.read(
        h ->
            bindQuery(h.createQuery(sql), query)
                .bind("origin", origin)
                .bind("width", width)
                .map(
                    (rs, ctx) ->
                        new LatencyBucket(
                            Instant.ofEpochMilli(origin + rs.getLong("b") * width),
                            rs.getLong("n"),
                            rs.getLong("lo"),
                            rs.getLong("hi"),
                            rs.getLong("total"),
                            rs.getLong("p50"),
                            rs.getLong("p95"),
                            rs.getLong("p99")))
                .list());
  }

  @Override
  public Maintained maintain(Instant now, Duration retention) {
    long cutoff = retention.isZero() ? Long.MIN_VALUE : now.minus(retention).toEpochMilli();
    if (db.engine() == Database.Engine.SQLITE) {
      long deleted = retention.isZero() ? 0 : deleteSqliteBatches(cutoff);
      return new Maintained.Done(0, 0, deleted);
    }
    return new Partitions(db).maintain(now, cutoff);
  }

  /** Rows older than {@code cutoff}, oldest first, a batch per transaction so ingestion goes on. */
  private long deleteSqliteBatches(long cutoff) {
    String batch =
        "SELECT rowid FROM predictions WHERE time_ms < :cutoff ORDER BY time_ms, rowid LIMIT "
            + DELETE_BATCH;
    long deleted = 0;
    for (int i = 0; i < MAX_DELETE_BATCHES; i++) {
      int gone =
          db.write(
              h -> {
                Map<String, Long> perDevice = new HashMap<>();
                h.createQuery(
                        "SELECT device_id, COUNT(*) AS n FROM predictions WHERE rowid IN ("
                            + batch
                            + ") GROUP BY device_id")
                    .bind("cutoff", cutoff)
                    .map((rs, ctx) -> Map.entry(rs.getString("device_id"), rs.getLong("n")))
                    .forEach(e -> perDevice.put(e.getKey(), e.getValue()));
                if (perDevice.isEmpty()) {
                  return 0;
                }
                subtractCounts(h, perDevice);
                return h.createUpdate("DELETE FROM predictions WHERE rowid IN (" + batch + ")")
                    .bind("cutoff", cutoff)
                    .execute();
              });
      deleted += gone;
      if (gone < DELETE_BATCH) {
        break;
      }
    }
    return deleted;
  }

  static void subtractCounts(Handle h, Map<String, Long> perDevice) {
    if (perDevice.isEmpty()) {
      return;
    }
    PreparedBatch update =
        h.prepareBatch(
            "UPDATE prediction_counts SET stored = stored - :n WHERE device_id = :device");
    perDevice.forEach((device, n) -> update.bind("n", n).bind("device", device).add());
    update.execute();
  }

  /**
   * PostgreSQL's day partitions of {@code predictions} (see V9__prediction_partitions.sql). One hub
   * at a time does a round, the holder of a session advisory lock (released when its connection
   * ends, so a hub that dies holds nothing); the others skip theirs. Each step is one short
   * transaction that leaves the table whole, and DDL waits at most {@link #LOCK_TIMEOUT} for its
   * locks (a DDL statement queued behind a long read would hold up every insert queued behind it);
   * a step that fails fails the round, and the next round starts again from what it finds.
   */
  private static final class Partitions {
    /** "verge" and a 1: the key of the maintenance lock among the hub's advisory locks. */
    private static final long LOCK_KEY = 0x7665726765_01L;

    private static final String LOCK_TIMEOUT = "2s";
    private static final int DAYS_BEHIND = 7;
    private static final int DAYS_AHEAD = 7;
    private static final String PREFIX = "predictions_p";
    private static final java.util.regex.Pattern NAME =
        java.util.regex.Pattern.compile("predictions_p(\\d{8})");
    private static final java.time.format.DateTimeFormatter DAY =
        java.time.format.DateTimeFormatter.BASIC_ISO_DATE;

    private final Database db;

    Partitions(Database db) {
      this.db = db;
    }

    Maintained maintain(Instant now, long cutoff) {
      return db.read(
          lock -> {
            if (!lock.createQuery("SELECT pg_try_advisory_lock(:key)")
                .bind("key", LOCK_KEY)
                .mapTo(Boolean.class)
                .one()) {
              return new Maintained.Busy();
            }
            try {
              return round(now, cutoff);
            } finally {
              lock.createQuery("SELECT pg_advisory_unlock(:key)")
                  .bind("key", LOCK_KEY)
                  .mapTo(Boolean.class)
                  .one();
            }
          });
    }

    private Maintained round(Instant now, long cutoff) {
      Map<java.time.LocalDate, Boolean> existing = partitions();
      int dropped = 0;
      for (var partition : existing.entrySet()) {
        java.time.LocalDate day = partition.getKey();
        boolean attached = partition.getValue();
        if (!attached) {
          drop(day); // A round that stopped between detaching and dropping left it.
          dropped++;
        } else if (end(day) <= cutoff) {
          detach(day);
          drop(day);
          dropped++;
        }
      }
      int created = 0;
      java.time.LocalDate today = java.time.LocalDate.ofInstant(now, java.time.ZoneOffset.UTC);
      for (int d = -DAYS_BEHIND; d <= DAYS_AHEAD; d++) {
        java.time.LocalDate day = today.plusDays(d);
        if (!existing.containsKey(day) && end(day) > cutoff) {
          create(day);
          created++;
        }
      }
      return new Maintained.Done(created, dropped, deleteFromDefault(cutoff));
    }

    /** Each day table by its day, and whether it is attached (a partition) or left detached. */
    private Map<java.time.LocalDate, Boolean> partitions() {
      Map<java.time.LocalDate, Boolean> days = new java.util.TreeMap<>();
      db.read(
              h ->
                  h.createQuery(
                          "SELECT c.relname, c.relispartition FROM pg_class c"
                              + " WHERE c.relkind = 'r' AND c.relname LIKE 'predictions\\_p%'"
                              + " AND c.relnamespace ="
                              + " (SELECT relnamespace FROM pg_class WHERE oid = 'predictions'::regclass)")
                      .map((rs, ctx) -> Map.entry(rs.getString("relname"), rs.getBoolean(2)))
                      .list())
          .forEach(
              e -> {
                var match = NAME.matcher(e.getKey());
                if (match.matches()) {
                  try {
                    days.put(java.time.LocalDate.parse(match.group(1), DAY), e.getValue());
                  } catch (java.time.format.DateTimeParseException notADay) {
                    // Not one of ours (predictions_p99999999): left alone.
                  }
                }
              });
      return days;
    }

    private static String name(java.time.LocalDate day) {
      return PREFIX + DAY.format(day);
    }

    private static long start(java.time.LocalDate day) {
      return day.atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    private static long end(java.time.LocalDate day) {
      return start(day.plusDays(1));
    }

    /**
     * The day's table, filled with the rows the default partition holds for that day (after an
     * upgrade, or from a device whose clock ran ahead), then attached; the CHECK spares the attach
     * a scan of the new table, and locking the default partition first keeps an insert from landing
     * there in between.
     */
    private void create(java.time.LocalDate day) {
      String table = name(day);
      long from = start(day);
      long to = end(day);
      db.writeCommitted(
          h -> {
            h.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            h.execute("LOCK TABLE predictions IN SHARE UPDATE EXCLUSIVE MODE");
            h.execute("LOCK TABLE predictions_default IN ACCESS EXCLUSIVE MODE");
            h.execute("CREATE TABLE " + table + " (LIKE predictions INCLUDING DEFAULTS)");
            h.execute(
                "ALTER TABLE "
                    + table
                    + " ADD CONSTRAINT "
                    + table
                    + "_day CHECK (time_ms >= "
                    + from
                    + " AND time_ms < "
                    + to
                    + ")");
            h.execute(
                "WITH moved AS (DELETE FROM predictions_default WHERE time_ms >= "
                    + from
                    + " AND time_ms < "
                    + to
                    + " RETURNING "
                    + COLUMNS
                    + ") INSERT INTO "
                    + table
                    + " ("
                    + COLUMNS
                    + ") SELECT "
                    + COLUMNS
                    + " FROM moved");
            h.execute(
                "ALTER TABLE predictions ATTACH PARTITION "
                    + table
                    + " FOR VALUES FROM ("
                    + from
                    + ") TO ("
                    + to
                    + ")");
            return null;
          });
    }

    /** Out of the table first: from then on inserts for that day go to the default partition. */
    private void detach(java.time.LocalDate day) {
      db.writeCommitted(
          h -> {
            h.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            h.execute("ALTER TABLE predictions DETACH PARTITION " + name(day));
            return null;
          });
    }

    /**
     * A detached day: its rows counted per device outside any transaction that updates (nothing
     * writes a detached table), then the counts lowered and the table dropped in one transaction.
     */
    private void drop(java.time.LocalDate day) {
      String table = name(day);
      Map<String, Long> perDevice = new HashMap<>();
      db.read(
              h ->
                  h.createQuery(
                          "SELECT device_id, COUNT(*) AS n FROM " + table + " GROUP BY device_id")
                      .map((rs, ctx) -> Map.entry(rs.getString("device_id"), rs.getLong("n")))
                      .list())
          .forEach(e -> perDevice.put(e.getKey(), e.getValue()));
      db.writeCommitted(
          h -> {
            subtractCounts(h, perDevice);
            h.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            h.execute("DROP TABLE " + table);
            return null;
          });
    }

    /** The default partition's rows older than {@code cutoff}, in batches, counts lowered. */
    private long deleteFromDefault(long cutoff) {
      if (cutoff == Long.MIN_VALUE) {
        return 0;
      }
      long deleted = 0;
      for (int i = 0; i < MAX_DELETE_BATCHES; i++) {
        long gone =
            db.writeCommitted(
                h ->
                    h.createQuery(
                            "WITH gone AS (DELETE FROM predictions_default WHERE ctid = ANY(ARRAY("
                                + "SELECT ctid FROM predictions_default WHERE time_ms < :cutoff"
                                + " LIMIT :batch)) RETURNING device_id),"
                                + " per AS (SELECT device_id, COUNT(*) AS n FROM gone"
                                + " GROUP BY device_id),"
                                + " lowered AS (UPDATE prediction_counts c SET stored = c.stored"
                                + " - per.n FROM per WHERE c.device_id = per.device_id)"
                                + " SELECT COALESCE(SUM(n), 0) FROM per")
                        .bind("cutoff", cutoff)
                        .bind("batch", DELETE_BATCH)
                        .mapTo(Long.class)
                        .one());
        deleted += gone;
        if (gone < DELETE_BATCH) {
          break;
        }
      }
      return deleted;
    }
  }
}
