package dev.verge.sqlite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * One SQLite file, opened the way every Verge store opens it: WAL journal, {@code synchronous =
 * NORMAL} by default (a commit survives a process crash without an fsync per transaction) or {@code
 * FULL} where {@link Options#durability} asks for it (each commit is fsynced before it returns, so
 * it survives a power cut too), a busy time-out for locks other processes hold, foreign keys
 * enforced, and the schema migrated by Flyway before the first connection is handed out. Every
 * connection, Flyway's included, gets the same settings.
 *
 * <p>{@link #open} creates and migrates the file; {@link #connect} then gives as many connections
 * with those settings as the store wants (one for the agent, a writer and some readers for the
 * hub). An instance holds no connection itself and needs no closing. A store that holds a secret
 * opens its file owner-only:
 *
 * <pre>{@code
 * Sqlite file = Sqlite.open(path, "classpath:db/migration/agent",
 *     Sqlite.Options.DEFAULT.withOwnerOnly(true));
 * Connection connection = file.connect(); // then e.g. PRAGMA max_page_count for a size budget
 * }</pre>
 */
public final class Sqlite {
  private static final String URL_PREFIX = "jdbc:sqlite:";
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** What a returned commit survives. */
  public enum Durability {
    /**
     * {@code synchronous=NORMAL}: a crash of the process, not a power cut (the WAL is fsynced only
     * at checkpoints, so the last commits before one may be lost with the power).
     */
    PROCESS_CRASH,
    /** {@code synchronous=FULL}: a power cut too; the WAL is fsynced at every commit. */
    POWER_CUT
  }

  /**
   * How a file is opened.
   *
   * @param busyTimeout how long a statement waits for a lock another connection holds
   * @param foreignKeys whether {@code FOREIGN KEY} clauses are enforced
   * @param ownerOnly whether the file (and so its {@code -wal} and {@code -shm} files) is made
   *     readable by its owner only, for files that hold credentials
   * @param durability what a returned commit survives, on every connection
   */
  public record Options(
      Duration busyTimeout, boolean foreignKeys, boolean ownerOnly, Durability durability) {
    public static final Options DEFAULT =
        new Options(Duration.ofSeconds(10), true, false, Durability.PROCESS_CRASH);

    public Options {
      Objects.requireNonNull(busyTimeout, "busyTimeout");
      Objects.requireNonNull(durability, "durability");
      if (busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "busyTimeout must be between 0 and " + Integer.MAX_VALUE + " ms, got " + busyTimeout);
      }
    }

    public Options withBusyTimeout(Duration timeout) {
      return new Options(timeout, foreignKeys, ownerOnly, durability);
    }

    public Options withForeignKeys(boolean enforced) {
      return new Options(busyTimeout, enforced, ownerOnly, durability);
    }

    public Options withOwnerOnly(boolean only) {
      return new Options(busyTimeout, foreignKeys, only, durability);
    }

    public Options withDurability(Durability value) {
      return new Options(busyTimeout, foreignKeys, ownerOnly, value);
    }
  }

  private final Path file;
  private final String url;
  private final Options options;

  private Sqlite(Path file, Options options) {
    this.file = file;
    this.url = URL_PREFIX + file;
    this.options = options;
  }

  /**
   * Opens {@code urlOrPath} (a {@code jdbc:sqlite:} URL or a file path) with the default options.
   *
   * @see #open(Path, String, Options)
   */
  public static Sqlite open(String urlOrPath, String migrations) {
    Objects.requireNonNull(urlOrPath, "urlOrPath");
    String path =
        urlOrPath.startsWith(URL_PREFIX) ? urlOrPath.substring(URL_PREFIX.length()) : urlOrPath;
    if (path.isBlank() || path.startsWith(":memory:") || path.startsWith("file:")) {
      throw new IllegalArgumentException(
          "expected a SQLite file path or jdbc:sqlite:<path> URL, got '" + urlOrPath + "'");
    }
    return open(Path.of(path), migrations, Options.DEFAULT);
  }

  /** Opens {@code file} with the default options; see {@link #open(Path, String, Options)}. */
  public static Sqlite open(Path file, String migrations) {
    return open(file, migrations, Options.DEFAULT);
  }

  /**
   * Opens {@code file}, creating it and its folder when absent, and applies the Flyway migrations
   * at {@code migrations} (e.g. {@code classpath:db/migration/sqlite}).
   *
   * @throws SqliteOpenException naming the file when it cannot be created, is not a SQLite
   *     database, or cannot be migrated
   */
  public static Sqlite open(Path file, String migrations, Options options) {
    Objects.requireNonNull(migrations, "migrations");
    Sqlite sqlite = new Sqlite(file.toAbsolutePath().normalize(), options);
    sqlite.create();
    try (Connection probe = sqlite.connect()) {
      // Opening a connection sets WAL mode, which reads the header: a file that is not a
      // database is refused here, before Flyway reports it less clearly.
      probe.isValid(0);
    } catch (SQLException e) {
      throw new SqliteOpenException("cannot open the SQLite database " + sqlite.file + ": " + e, e);
    }
    sqlite.migrate(migrations);
    return sqlite;
  }

  /** A new connection with this file's settings; the caller closes it. */
  public Connection connect() throws SQLException {
    return config().createConnection(url);
  }

  public Path file() {
    return file;
  }

  /** The {@code jdbc:sqlite:} URL of the file. */
  public String url() {
    return url;
  }

  public Options options() {
    return options;
  }

  /** Whether {@code e} says the database stayed locked by another connection past the time-out. */
  public static boolean isBusy(SQLException e) {
    int primary = e.getErrorCode() & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
  }

  private SQLiteConfig config() {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(
        options.durability() == Durability.POWER_CUT
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    config.setBusyTimeout((int) options.busyTimeout().toMillis());
    config.enforceForeignKeys(options.foreignKeys());
    return config;
  }

  /**
   * SQLite gives its {@code -wal} and {@code -shm} files the database file's permissions, so making
   * the database owner-only before SQLite first opens it covers all three.
   */
  private void create() {
    try {
      Files.createDirectories(file.getParent());
      if (!options.ownerOnly()) {
        return;
      }
      if (Files.notExists(file)) {
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException e) {
          Files.createFile(file);
        }
      } else if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
        Files.setPosixFilePermissions(file, OWNER_ONLY);
      }
    } catch (IOException e) {
      throw new SqliteOpenException("cannot create the SQLite database " + file + ": " + e, e);
    }
  }

  private void migrate(String migrations) {
    SQLiteDataSource source = new SQLiteDataSource(config());
    source.setUrl(url);
    try {
      Flyway.configure(Sqlite.class.getClassLoader())
          .dataSource(source)
          .locations(migrations)
          .failOnMissingLocations(true)
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new SqliteOpenException(
          "cannot migrate the SQLite database "
              + file
              + " with "
              + migrations
              + ": "
              + e.getMessage(),
          e);
    }
  }
}
