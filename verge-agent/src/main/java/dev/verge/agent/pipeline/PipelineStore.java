package dev.verge.agent.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.DeviceEvent;
import dev.verge.core.json.Json;
import dev.verge.sqlite.Sqlite;
import dev.verge.sqlite.SqliteOpenException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The pipelines' own SQLite file beside the agent's store ({@code pipelines.db}): the events
 * waiting for the hub, the readings pushed or received over MQTT until a cycle recorded them, the
 * firings waiting for their MQTT broker, and how far each file source has read. Kept apart from
 * {@code agent.db} so that neither's schema or durability settings bind the other. Every write is
 * synced to disk ({@code synchronous=FULL}): events and progress are few, and an event raised must
 * survive a power cut. One connection, one statement at a time.
 */
public final class PipelineStore implements AutoCloseable {
  static final String FILE = "pipelines.db";
  private static final String MIGRATIONS = "classpath:db/migration/pipeline";

  /** Events waiting beyond this are refused (and counted): the file must not fill the disk. */
  public static final int MAX_PENDING_EVENTS = 100_000;

  private final Path file;
  private final Connection connection;
  private final int maxPending;

  private PipelineStore(Path file, Connection connection, int maxPending) {
    this.file = file;
    this.connection = connection;
    this.maxPending = maxPending;
  }

  /**
   * Opens (creating and migrating) {@code file}.
   *
   * @throws PipelineException when it cannot be opened
   */
  public static PipelineStore open(Path file) {
    return open(file, MAX_PENDING_EVENTS);
  }

  static PipelineStore open(Path file, int maxPending) {
    try {
      Sqlite sqlite =
          Sqlite.open(
              file,
              MIGRATIONS,
              Sqlite.Options.DEFAULT
                  .withOwnerOnly(true)
                  .withDurability(Sqlite.Durability.POWER_CUT));
      Connection connection = sqlite.connect();
      return new PipelineStore(sqlite.file(), connection, maxPending);
    } catch (SqliteOpenException | SQLException e) {
      throw new PipelineException(
          "cannot open the pipeline store " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Keeps an event for the hub.
   *
   * @return false when {@link #MAX_PENDING_EVENTS} already wait (the event is not kept)
   */
  public synchronized boolean addEvent(
      Instant time,
      String pipeline,
      String rule,
      String severity,
      String message,
      String model,
      long version,
      JsonNode details) {
    try {
      if (pendingEvents() >= maxPending) {
        return false;
      }
      try (PreparedStatement s =
          connection.prepareStatement(
              "INSERT INTO events (time, pipeline, rule, severity, message, model, version,"
                  + " details_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, time.toString());
        s.setString(2, pipeline);
        s.setString(3, rule);
        s.setString(4, severity);
        s.setString(5, message);
        s.setString(6, model);
        s.setLong(7, version);
        s.setString(8, Json.writeString(details));
        s.executeUpdate();
      }
      return true;
    } catch (SQLException e) {
      throw failure("keep an event of pipeline " + pipeline, e);
    }
  }

  /** The oldest {@code limit} events the hub has not acknowledged. */
  public synchronized List<DeviceEvent> pendingEvents(int limit) {
    List<DeviceEvent> events = new ArrayList<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT sequence, time, pipeline, rule, severity, message, model, version,"
                + " details_json FROM events ORDER BY sequence LIMIT ?")) {
      s.setInt(1, limit);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          events.add(
              new DeviceEvent(
                  rs.getLong(1),
                  Instant.parse(rs.getString(2)),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getLong(8),
                  Json.tree(rs.getString(9).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        }
      }
      return events;
    } catch (SQLException e) {
      throw failure("read pending events", e);
    }
  }

  /** Forgets the events up to {@code lastSequence}: the hub has them. */
  public synchronized int acknowledge(long lastSequence) {
    try (PreparedStatement s =
        connection.prepareStatement("DELETE FROM events WHERE sequence <= ?")) {
      s.setLong(1, lastSequence);
      return s.executeUpdate();
    } catch (SQLException e) {
      throw failure("forget forwarded events", e);
    }
  }

  /** How many events wait for the hub. */
  public synchronized long pendingEvents() {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw failure("count pending events", e);
    }
  }

  /** Pushed readings waiting per pipeline beyond this are refused: the disk must not fill. */
  public static final int MAX_PENDING_READINGS = 100_000;

  /** One pushed reading as kept. */
  record Pushed(long sequence, Map<String, Object> fields) {}

  /**
   * Keeps {@code readings} pushed to {@code pipeline}, all or none, in one synced transaction.
   *
   * @return false when they would take the pipeline past {@link #MAX_PENDING_READINGS}
   */
  public synchronized boolean addReadings(String pipeline, List<Map<String, Object>> readings) {
    try {
      if (pendingReadings(pipeline) + readings.size() > MAX_PENDING_READINGS) {
        return false;
      }
      connection.setAutoCommit(false);
      try (PreparedStatement s =
          connection.prepareStatement(
              "INSERT INTO pushed_readings (pipeline, fields_json) VALUES (?, ?)")) {
        for (Map<String, Object> fields : readings) {
          s.setString(1, pipeline);
          s.setString(2, Json.writeString(fields));
          s.addBatch();
        }
        s.executeBatch();
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
      return true;
    } catch (SQLException e) {
      throw failure("keep readings pushed to pipeline " + pipeline, e);
    }
  }

  /** The oldest {@code limit} readings pushed to {@code pipeline}. */
  synchronized List<Pushed> pushed(String pipeline, int limit) {
    List<Pushed> readings = new ArrayList<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT sequence, fields_json FROM pushed_readings WHERE pipeline = ?"
                + " ORDER BY sequence LIMIT ?")) {
      s.setString(1, pipeline);
      s.setInt(2, limit);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          @SuppressWarnings("unchecked")
          Map<String, Object> fields =
              Json.read(
                  rs.getString(2).getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.class);
          readings.add(new Pushed(rs.getLong(1), fields));
        }
      }
      return readings;
    } catch (SQLException e) {
      throw failure("read readings pushed to pipeline " + pipeline, e);
    }
  }

  /** Forgets the readings pushed to {@code pipeline} up to {@code lastSequence}: recorded. */
  synchronized void forgetPushed(String pipeline, long lastSequence) {
    try (PreparedStatement s =
        connection.prepareStatement(
            "DELETE FROM pushed_readings WHERE pipeline = ? AND sequence <= ?")) {
      s.setString(1, pipeline);
      s.setLong(2, lastSequence);
      s.executeUpdate();
    } catch (SQLException e) {
      throw failure("forget readings of pipeline " + pipeline, e);
    }
  }

  /** How many pushed readings wait for {@code pipeline}. */
  public synchronized long pendingReadings(String pipeline) {
    try (PreparedStatement s =
        connection.prepareStatement("SELECT COUNT(*) FROM pushed_readings WHERE pipeline = ?")) {
      s.setString(1, pipeline);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw failure("count readings of pipeline " + pipeline, e);
    }
  }

  /** Firings waiting per MQTT outlet beyond this are refused (and counted). */
  public static final int MAX_PENDING_FIRINGS = 100_000;

  /** One firing waiting for its broker. */
  record Outgoing(long sequence, byte[] payload) {}

  /**
   * Keeps a firing for the MQTT {@code outlet} until {@link #forgetOutgoing}.
   *
   * @return false when {@link #MAX_PENDING_FIRINGS} already wait (it is not kept)
   */
  synchronized boolean addOutgoing(String outlet, byte[] payload) {
    try {
      if (pendingOutgoing(outlet) >= MAX_PENDING_FIRINGS) {
        return false;
      }
      try (PreparedStatement s =
          connection.prepareStatement("INSERT INTO mqtt_outbox (outlet, payload) VALUES (?, ?)")) {
        s.setString(1, outlet);
        s.setBytes(2, payload);
        s.executeUpdate();
      }
      return true;
    } catch (SQLException e) {
      throw failure("keep a firing for " + outlet, e);
    }
  }

  /** The oldest {@code limit} firings waiting for {@code outlet}. */
  synchronized List<Outgoing> outgoing(String outlet, int limit) {
    List<Outgoing> rows = new ArrayList<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT sequence, payload FROM mqtt_outbox WHERE outlet = ? ORDER BY sequence LIMIT ?")) {
      s.setString(1, outlet);
      s.setInt(2, limit);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows.add(new Outgoing(rs.getLong(1), rs.getBytes(2)));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw failure("read the firings for " + outlet, e);
    }
  }

  /** Forgets one firing: its broker acknowledged it. */
  synchronized void forgetOutgoing(long sequence) {
    try (PreparedStatement s =
        connection.prepareStatement("DELETE FROM mqtt_outbox WHERE sequence = ?")) {
      s.setLong(1, sequence);
      s.executeUpdate();
    } catch (SQLException e) {
      throw failure("forget a published firing", e);
    }
  }

  /** How many firings wait for {@code outlet}. */
  synchronized long pendingOutgoing(String outlet) {
    try (PreparedStatement s =
        connection.prepareStatement("SELECT COUNT(*) FROM mqtt_outbox WHERE outlet = ?")) {
      s.setString(1, outlet);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw failure("count the firings for " + outlet, e);
    }
  }

  /** How far {@code pipeline} has read {@code path}; empty when it never has. */
  public synchronized OptionalLong position(String pipeline, Path path) {
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT position FROM source_progress WHERE pipeline = ? AND path = ?")) {
      s.setString(1, pipeline);
      s.setString(2, path.toString());
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    } catch (SQLException e) {
      throw failure("read the progress of pipeline " + pipeline, e);
    }
  }

  /** Whether {@code pipeline} has finished the folder file {@code path}. */
  public synchronized boolean done(String pipeline, Path path) {
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT done FROM source_progress WHERE pipeline = ? AND path = ?")) {
      s.setString(1, pipeline);
      s.setString(2, path.toString());
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() && rs.getInt(1) == 1;
      }
    } catch (SQLException e) {
      throw failure("read the progress of pipeline " + pipeline, e);
    }
  }

  /** Saves how far {@code pipeline} has read {@code path}, and whether it is done with it. */
  public synchronized void savePosition(String pipeline, Path path, long position, boolean done) {
    try (PreparedStatement s =
        connection.prepareStatement(
            "INSERT INTO source_progress (pipeline, path, position, done, updated_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (pipeline, path) DO UPDATE SET"
                + " position = excluded.position, done = excluded.done,"
                + " updated_at = excluded.updated_at")) {
      s.setString(1, pipeline);
      s.setString(2, path.toString());
      s.setLong(3, position);
      s.setInt(4, done ? 1 : 0);
      s.setLong(5, System.currentTimeMillis());
      s.executeUpdate();
    } catch (SQLException e) {
      throw failure("save the progress of pipeline " + pipeline, e);
    }
  }

  /** Forgets a folder file once it has been moved away. */
  public synchronized void forget(String pipeline, Path path) {
    try (PreparedStatement s =
        connection.prepareStatement(
            "DELETE FROM source_progress WHERE pipeline = ? AND path = ?")) {
      s.setString(1, pipeline);
      s.setString(2, path.toString());
      s.executeUpdate();
    } catch (SQLException e) {
      throw failure("forget the progress of pipeline " + pipeline, e);
    }
  }

  private PipelineException failure(String what, SQLException e) {
    return new PipelineException("cannot " + what + " in " + file + ": " + e.getMessage(), e);
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw failure("close", e);
    }
  }
}
