package dev.verge.hub.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreJson;
import java.io.IOException;
import java.io.StringReader;
import java.sql.SQLException;
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
          + " inputs_json, received_at";
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
                + " :requestId, :outputs, :inputs, :receivedAt) ON CONFLICT DO NOTHING");
    for (Prediction r : records) {
      add.bindMethods(r)
          .bind("device", deviceId)
          .bind("time", r.time().toString())
          .bind("outputs", r.outputs() == null ? null : StoreJson.write(r.outputs()))
          .bind("inputs", r.inputs() == null ? null : StoreJson.write(r.inputs()))
          .bind("receivedAt", receivedAt)
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
}
