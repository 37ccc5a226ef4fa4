package dev.verge.hub.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Transactions on the hub's database for feature stores that keep their own tables in it: a read on
 * a pooled reader, a write as one {@code BEGIN IMMEDIATE} transaction on the single writer.
 * Failures come back as {@link dev.verge.hub.HubException.StoreFailure} or {@link
 * dev.verge.hub.HubException.StoreBusy}.
 */
public interface SqlAccess {
  <T> T read(Work<T> work);

  <T> T write(Work<T> work);

  /** SQL run on one connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }
}
