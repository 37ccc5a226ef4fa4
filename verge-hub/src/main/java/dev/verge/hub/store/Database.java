package dev.verge.hub.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.verge.hub.HubException;
import dev.verge.sqlite.Sqlite;
import dev.verge.sqlite.SqliteOpenException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * The hub's database, shared by every feature store: Jdbi over either one SQLite file (the embedded
 * default) or a PostgreSQL server (the scale-out store several hubs share). The stores' SQL is the
 * dialect both speak; the schema is migrated per engine ({@code db/migration/sqlite}, {@code
 * db/migration/postgresql}, the same versions in both).
 *
 * <p>On SQLite, writes go through one connection, one transaction at a time ({@code BEGIN
 * IMMEDIATE} under a lock), so writers in this process never contend; a few more connections serve
 * reads, which WAL lets run beside the writer. Every connection waits out locks held by other
 * processes (a backup) for {@link #BUSY_TIMEOUT_MS}.
 *
 * <p>On PostgreSQL, reads and writes take connections from a pool; each write is one {@code
 * SERIALIZABLE} transaction, so a store's read-then-write is as safe beside other hubs as it is
 * beside this hub's own threads, and a transaction the server aborts as a serialization failure or
 * a deadlock is run again (it had no effect), up to {@link #WRITE_ATTEMPTS} times.
 *
 * <p>A database that stays busy is {@link HubException.StoreBusy}; any other SQL failure is {@link
 * HubException.StoreFailure}, naming the database (never a password). Instants are stored as epoch
 * milliseconds.
 */
public final class Database implements AutoCloseable {
  public static final String SQLITE_MIGRATIONS = "classpath:db/migration/sqlite";
  public static final String POSTGRESQL_MIGRATIONS = "classpath:db/migration/postgresql";
  static final int BUSY_TIMEOUT_MS = 10_000;
  static final int WRITE_ATTEMPTS = 8;
  private static final int READERS = 4;
  private static final System.Logger LOG = System.getLogger(Database.class.getName());

  /** Which server keeps the tables. */
  public enum Engine {
    SQLITE,
    POSTGRESQL
  }

  /** Work on a handle inside {@link #read} or {@link #write}; the handle is not kept. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Handle handle);
  }

  /** How one engine hands out connections and runs transactions. */
  private sealed interface Connections permits SqliteConnections, PostgresConnections {
    <T> T read(Work<T> work);

    <T> T write(Work<T> work);

    <T> T writeCommitted(Work<T> work);

    void close();
  }

  private final Engine engine;
  private final String name;
  private final Connections connections;
  private volatile boolean closed;

  private Database(Engine engine, String name, Connections connections) {
    this.engine = engine;
    this.name = name;
    this.connections = connections;
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
    Jdbi jdbi = configure(Jdbi.create(sqlite::connect), logger);
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
      String name = sqlite.file().getFileName().toString();
      return new Database(
          Engine.SQLITE,
          name,
          new SqliteConnections(sqlite.file(), busyTimeout.toMillis(), writer, readers));
    } catch (JdbiException e) {
      opened.forEach(Handle::close);
      throw new HubException.StoreFailure(
          "cannot open " + sqlite.file() + ": " + e.getMessage(), e);
    }
  }

  /** Connects to and migrates the PostgreSQL database {@code server} names. */
  public static Database openPostgres(PostgresServer server) {
    return openPostgres(server, SqlLogger.NOP_SQL_LOGGER);
  }

  /** As {@link #openPostgres(PostgresServer)}, telling {@code logger} of every statement run. */
  public static Database openPostgres(PostgresServer server, SqlLogger logger) {
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(server.jdbcUrl());
    pool.setUsername(server.user());
    pool.setPassword(server.password());
    pool.setMaximumPoolSize(server.poolSize());
    pool.setPoolName("verge-hub-store");
    pool.setConnectionTimeout(BUSY_TIMEOUT_MS);
    // The first connection is tried at once: a wrong address or password fails the start with
    // the server's own words instead of after the pool's time-out.
    pool.setInitializationFailTimeout(1);
    pool.addDataSourceProperty("connectTimeout", "10");
    pool.addDataSourceProperty("socketTimeout", "60");
    pool.addDataSourceProperty("tcpKeepAlive", "true");
    pool.addDataSourceProperty("ApplicationName", "verge-hub");
    HikariDataSource source;
    try {
      source = new HikariDataSource(pool);
    } catch (RuntimeException e) {
      throw new HubException.StoreFailure(
          "cannot connect to PostgreSQL at " + server.display() + ": " + rootMessage(e), e);
    }
    try {
      Flyway.configure()
          .dataSource(source)
          .locations(POSTGRESQL_MIGRATIONS)
          .failOnMissingLocations(true)
          .load()
          .migrate();
    } catch (FlywayException e) {
      source.close();
      throw new HubException.StoreFailure(
          "cannot migrate PostgreSQL at " + server.display() + ": " + rootMessage(e), e);
    }
    Jdbi jdbi = configure(Jdbi.create(source), logger);
    return new Database(
        Engine.POSTGRESQL, server.display(), new PostgresConnections(server, jdbi, source));
  }

  private static Jdbi configure(Jdbi jdbi, SqlLogger logger) {
    jdbi.registerArgument(new InstantAsMillis());
    jdbi.registerColumnMapper(
        Instant.class,
        (rs, column, ctx) -> {
          long millis = rs.getLong(column);
          return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
        });
    jdbi.setSqlLogger(logger);
    return jdbi;
  }

  public Engine engine() {
    return engine;
  }

  /** The database in words for messages: the SQLite file's name, or PostgreSQL's host and name. */
  public String name() {
    return name;
  }

  /** Runs {@code work} on a reader connection; each statement sees the latest commit. */
  public <T> T read(Work<T> work) {
    requireOpen();
    return connections.read(work);
  }

  /**
   * Runs {@code work} in one write transaction, committed when it returns normally. On PostgreSQL
   * {@code work} may run more than once (see the class comment): it must not have effects outside
   * the handle.
   */
  public <T> T write(Work<T> work) {
    requireOpen();
    return connections.write(work);
  }

  /**
   * As {@link #write}, but on PostgreSQL at {@code READ COMMITTED}: for maintenance that adjusts
   * rows the ingest path updates all the time (an {@code UPDATE ... SET n = n - :k} waits for the
   * row instead of failing as a serialization conflict the way it would, again and again, beside a
   * busy fleet). Only for work that is safe without a snapshot: single-row arithmetic, DDL.
   */
  public <T> T writeCommitted(Work<T> work) {
    requireOpen();
    return connections.writeCommitted(work);
  }

  private void requireOpen() {
    if (closed) {
      throw new HubException.StoreBusy("the hub store is closed", null);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    connections.close();
  }

  private static SQLException sqlCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return sql;
      }
    }
    return null;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.toString();
  }

  private static final class SqliteConnections implements Connections {
    private final Path file;
    private final long busyTimeoutMs;
    private final Handle writer;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final BlockingQueue<Handle> readers = new ArrayBlockingQueue<>(READERS);
    private final List<Handle> handles;
    private boolean closed;

    SqliteConnections(Path file, long busyTimeoutMs, Handle writer, List<Handle> readers) {
      this.file = file;
      this.busyTimeoutMs = busyTimeoutMs;
      this.writer = writer;
      this.readers.addAll(readers);
      this.handles = new ArrayList<>(readers);
      this.handles.add(writer);
    }

    @Override
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

    @Override
    public <T> T write(Work<T> work) {
      writeLock.lock();
      try {
        if (closed) {
          throw new HubException.StoreBusy("the hub store is closed", null);
        }
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

    @Override
    public <T> T writeCommitted(Work<T> work) {
      return write(work); // One writer at a time: every write transaction is serializable.
    }

    private Handle borrowReader() {
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
        // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR); then there
        // is no transaction left to end, and the original failure is what matters.
        failure.addSuppressed(e);
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

    @Override
    public void close() {
      writeLock.lock();
      try {
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
  }

  private static final class PostgresConnections implements Connections {
    /** SQLSTATEs of a transaction the server aborted to keep others serializable: safe to rerun. */
    private static final List<String> RETRYABLE = List.of("40001", "40P01");

    private final PostgresServer server;
    private final Jdbi jdbi;
    private final HikariDataSource source;

    PostgresConnections(PostgresServer server, Jdbi jdbi, HikariDataSource source) {
      this.server = server;
      this.jdbi = jdbi;
      this.source = source;
    }

    @Override
    public <T> T read(Work<T> work) {
      try (Handle handle = jdbi.open()) {
        return work.run(handle);
      } catch (JdbiException e) {
        throw failure("read", e);
      }
    }

    @Override
    public <T> T write(Work<T> work) {
      return write(TransactionIsolationLevel.SERIALIZABLE, work);
    }

    @Override
    public <T> T writeCommitted(Work<T> work) {
      return write(TransactionIsolationLevel.READ_COMMITTED, work);
    }

    private <T> T write(TransactionIsolationLevel isolation, Work<T> work) {
      for (int attempt = 1; ; attempt++) {
        try {
          return jdbi.inTransaction(isolation, work::run);
        } catch (JdbiException e) {
          SQLException sql = sqlCause(e);
          if (sql == null || !RETRYABLE.contains(sql.getSQLState())) {
            throw failure("write", e);
          }
          if (attempt == WRITE_ATTEMPTS) {
            throw new HubException.StoreBusy(
                "PostgreSQL at "
                    + server.display()
                    + " aborted a write "
                    + WRITE_ATTEMPTS
                    + " times for concurrent writes ("
                    + sql.getMessage()
                    + "); retry later",
                e);
          }
          pause(attempt);
        }
      }
    }

    /** A short random pause before a rerun, so that two writers that collided part ways. */
    private static void pause(int attempt) {
      long millis = (long) (Math.random() * Math.min(100, 2L << attempt));
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HubException.StoreBusy("interrupted while retrying a write", e);
      }
    }

    private HubException failure(String what, JdbiException e) {
      SQLException sql = sqlCause(e);
      if (sql instanceof SQLTransientConnectionException) {
        return new HubException.StoreBusy(
            "no connection to PostgreSQL at "
                + server.display()
                + " came free within "
                + BUSY_TIMEOUT_MS
                + " ms; retry later",
            e);
      }
      String detail = sql != null ? sql.getMessage() : e.getMessage();
      return new HubException.StoreFailure(
          "cannot " + what + " PostgreSQL at " + server.display() + ": " + detail, e);
    }

    @Override
    public void close() {
      source.close();
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
