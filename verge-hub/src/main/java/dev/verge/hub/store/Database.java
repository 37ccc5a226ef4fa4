package dev.verge.hub.store;

import dev.verge.hub.HubException;
import dev.verge.sqlite.Sqlite;
import dev.verge.sqlite.SqliteOpenException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.statement.SqlLogger;

/**
 * The hub's database, shared by every feature store: Jdbi over one SQLite file in WAL mode.
 *
 * <p>Writes go through one connection, one transaction at a time ({@code BEGIN IMMEDIATE} under a
 * lock), so writers in this process never contend; a few more connections serve reads, which WAL
 * lets run beside the writer. Every connection waits out locks held by other processes (another
 * hub, a backup) for {@link #BUSY_TIMEOUT_MS} before giving up with {@link HubException.StoreBusy};
 * any other SQL failure is {@link HubException.StoreFailure}. Instants are stored as epoch
 * milliseconds.
 */
public final class Database implements AutoCloseable {
  public static final String SQLITE_MIGRATIONS = "classpath:db/migration/sqlite";
  static final int BUSY_TIMEOUT_MS = 10_000;
  private static final int READERS = 4;
  private static final System.Logger LOG = System.getLogger(Database.class.getName());

  /** Work on a handle inside {@link #read} or {@link #write}; the handle is not kept. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Handle handle);
  }

  private final Path file;
  private final long busyTimeoutMs;
  private final Handle writer;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final BlockingQueue<Handle> readers = new ArrayBlockingQueue<>(READERS);
  private final List<Handle> handles;
  private volatile boolean closed;

  private Database(Path file, long busyTimeoutMs, Handle writer, List<Handle> readers) {
    this.file = file;
    this.busyTimeoutMs = busyTimeoutMs;
    this.writer = writer;
    this.readers.addAll(readers);
    this.handles = new ArrayList<>(readers);
    this.handles.add(writer);
  }

  /** Opens (creating if needed) and migrates the SQLite database in {@code file}. */
  public static Database openSqlite(Path file) {
    return openSqlite(file, SqlLogger.NOP_SQL_LOGGER);
  }

  /** As {@link #openSqlite(Path)}, telling {@code logger} of every statement run (for tests). */
  public static Database openSqlite(Path file, SqlLogger logger) {
    return openSqlite(file, logger, Duration.ofMillis(BUSY_TIMEOUT_MS));
  }

  /** With a shorter busy time-out, for tests of a database another process holds locked. */
  static Database openSqlite(Path file, SqlLogger logger, Duration busyTimeout) {
    Sqlite sqlite;
    try {
      sqlite =
          Sqlite.open(file, SQLITE_MIGRATIONS, Sqlite.Options.DEFAULT.withBusyTimeout(busyTimeout));
    } catch (SqliteOpenException e) {
      throw new HubException.StoreFailure(e.getMessage(), e);
    }
    Jdbi jdbi = Jdbi.create(sqlite::connect);
    jdbi.registerArgument(new InstantAsMillis());
    jdbi.registerColumnMapper(
        Instant.class,
        (rs, column, ctx) -> {
          long millis = rs.getLong(column);
          return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
        });
    jdbi.setSqlLogger(logger);
    List<Handle> opened = new ArrayList<>();
    try {
      Handle writer = jdbi.open();
      opened.add(writer);
      List<Handle> readers = new ArrayList<>();
      for (int i = 0; i < READERS; i++) {
        Handle reader = jdbi.open();
        opened.add(reader);
        readers.add(reader);
      }
      return new Database(sqlite.file(), busyTimeout.toMillis(), writer, readers);
    } catch (JdbiException e) {
      opened.forEach(Handle::close);
      throw new HubException.StoreFailure(
          "cannot open " + sqlite.file() + ": " + e.getMessage(), e);
    }
  }

  /** Runs {@code work} on a reader connection; each statement sees the latest commit. */
  public <T> T read(Work<T> work) {
    Handle handle = borrowReader();
    try {
      return work.run(handle);
    } catch (JdbiException e) {
      throw failure("read " + file.getFileName(), e);
    } finally {
      readers.add(handle);
    }
  }

  /** Runs {@code work} in one write transaction, committed when it returns normally. */
  public <T> T write(Work<T> work) {
    writeLock.lock();
    try {
      requireOpen();
      writer.execute("BEGIN IMMEDIATE");
      T result;
      try {
        result = work.run(writer);
        writer.execute("COMMIT");
      } catch (RuntimeException | Error e) {
        rollback(e);
        throw e;
      }
      return result;
    } catch (JdbiException e) {
      throw failure("write " + file.getFileName(), e);
    } finally {
      writeLock.unlock();
    }
  }

  private Handle borrowReader() {
    requireOpen();
    try {
      return readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException.StoreBusy("interrupted while waiting for a database connection", e);
    }
  }

  private void rollback(Throwable failure) {
    try {
      writer.execute("ROLLBACK");
    } catch (JdbiException e) {
      // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR); then there is
      // no transaction left to end, and the original failure is what matters.
      failure.addSuppressed(e);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new HubException.StoreBusy("the hub store is closed", null);
    }
  }

  private HubException failure(String what, JdbiException e) {
    SQLException sql = sqlCause(e);
    if (sql != null && Sqlite.isBusy(sql)) {
      return new HubException.StoreBusy(
          "the hub database stayed busy for " + busyTimeoutMs + " ms; retry later", e);
    }
    String detail = sql != null ? sql.getMessage() : e.getMessage();
    return new HubException.StoreFailure("cannot " + what + ": " + detail, e);
  }

  private static SQLException sqlCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return sql;
      }
    }
    return null;
  }

  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (Handle handle : handles) {
        try {
          handle.close();
        } catch (JdbiException e) {
          LOG.log(System.Logger.Level.WARNING, "cannot close a connection to " + file, e);
        }
      }
    } finally {
      writeLock.unlock();
    }
  }

  /** Binds instants as epoch milliseconds, the way every table keeps them. */
  private static final class InstantAsMillis extends AbstractArgumentFactory<Instant> {
    InstantAsMillis() {
      super(Types.BIGINT);
    }

    @Override
    protected Argument build(Instant value, ConfigRegistry config) {
      return (position, statement, ctx) -> statement.setLong(position, value.toEpochMilli());
    }
  }
}
