package dev.verge.hub.event;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreJson;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

/** {@link EventStore} in the {@code device_events} table. */
public final class SqlEventStore implements EventStore {
  private static final RowMapper<Event> EVENT =
      (rs, ctx) ->
          new Event(
              rs.getString("device_id"),
              rs.getLong("sequence"),
              Instant.parse(rs.getString("time")),
              rs.getString("pipeline"),
              rs.getString("rule"),
              rs.getString("severity"),
              rs.getString("message"),
              rs.getString("model"),
              rs.getLong("version"),
              StoreJson.read(
                  rs.getString("details_json"), JsonNode.class, "device_events.details_json"),
              Instant.ofEpochMilli(rs.getLong("received_at")));

  private final Database db;

  public SqlEventStore(Database db) {
    this.db = db;
  }

  @Override
  public int add(List<Event> events) {
    if (events.isEmpty()) {
      return 0;
    }
    return db.write(
        h -> {
          PreparedBatch add =
              h.prepareBatch(
                  "INSERT INTO device_events (device_id, sequence, time, pipeline, rule, severity,"
                      + " message, model, version, details_json, received_at) VALUES (:deviceId,"
                      + " :sequence, :time, :pipeline, :rule, :severity, :message, :model,"
                      + " :version, :details, :receivedAt) ON CONFLICT DO NOTHING");
          for (Event e : events) {
            add.bindMethods(e)
                .bind("time", e.time().toString())
                .bind("details", e.details() == null ? null : StoreJson.write(e.details()))
                .bind("receivedAt", e.receivedAt().toEpochMilli())
                .add();
          }
          int added = 0;
          for (int n : add.execute()) {
            added += n;
          }
          return added;
        });
  }

  @Override
  public List<Event> events(String deviceId, long afterSequence, int limit) {
    return db.read(
        h ->
            h.createQuery(
                    "SELECT * FROM device_events WHERE device_id = :device AND sequence > :after"
                        + " ORDER BY sequence LIMIT :limit")
                .bind("device", deviceId)
                .bind("after", afterSequence)
                .bind("limit", limit)
                .map(EVENT)
                .list());
  }

  @Override
  public long count(String deviceId) {
    return db.read(
        h ->
            h.createQuery("SELECT COUNT(*) FROM device_events WHERE device_id = :device")
                .bind("device", deviceId)
                .mapTo(Long.class)
                .one());
  }
}
