package dev.verge.hub.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** Reads the column types every table shares, for the stores' row mappers. */
public final class Columns {
  private Columns() {}

  /** An instant kept as epoch milliseconds; null when the column is NULL. */
  public static Instant instant(ResultSet rs, String column) throws SQLException {
    long millis = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
  }
}
