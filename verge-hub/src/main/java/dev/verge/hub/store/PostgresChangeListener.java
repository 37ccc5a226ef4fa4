package dev.verge.hub.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Hears, on its own connection, the desired-state changes every hub's transactions announce on
 * channel {@value #CHANNEL} (the triggers of migration V7), and passes them to {@link Receiver}.
 *
 * <p>While listening, a hub can trust what it remembers: every committed change reaches it within
 * the round trip of a notification. When the connection fails, it says so ({@code
 * listening(false)}), connects again with a capped, doubling pause, and once listening again says
 * so after {@link Receiver#everything()}, since changes made in the gap were not heard. A
 * connection that stops answering is found by a {@code SELECT 1} every {@link #PROBE_INTERVAL} (the
 * socket time-out bounds the probe). The loop survives any failure of one pass.
 */
public final class PostgresChangeListener implements AutoCloseable {
  public static final String CHANNEL = "verge_desired";
  static final Duration PROBE_INTERVAL = Duration.ofSeconds(10);
  private static final Duration MAX_PAUSE = Duration.ofSeconds(30);
  private static final int WAIT_MILLIS = 500;
  private static final System.Logger LOG = System.getLogger(PostgresChangeListener.class.getName());

  /** What the listener hears. Called on the listener's thread. */
  public interface Receiver {
    /** The device's desired state may have changed. */
    void device(String deviceId);

    /** Any device's may have: forget everything remembered. */
    void everything();

    /** Whether every change is being heard from now on. */
    void listening(boolean heard);
  }

  private final PostgresServer server;
  private final Receiver receiver;
  private final Thread thread;
  private volatile boolean closed;
  private volatile Connection connection;

  private PostgresChangeListener(PostgresServer server, Receiver receiver) {
    this.server = server;
    this.receiver = receiver;
    this.thread = Thread.ofPlatform().daemon().name("verge-hub-listen").unstarted(this::run);
  }

  /** Starts listening; {@code receiver} hears {@code listening(true)} once it is. */
  public static PostgresChangeListener start(PostgresServer server, Receiver receiver) {
    PostgresChangeListener listener = new PostgresChangeListener(server, receiver);
    listener.thread.start();
    return listener;
  }

  private void run() {
    long pauseMillis = 100;
    while (!closed) {
      try (Connection c = connect()) {
        connection = c;
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN " + CHANNEL);
        }
        receiver.everything();
        receiver.listening(true);
        LOG.log(System.Logger.Level.DEBUG, "listening for changes on {0}", server.display());
        pauseMillis = 100;
        listen(c);
      } catch (Throwable e) {
        receiver.listening(false);
        if (closed) {
          return;
        }
        LOG.log(
            System.Logger.Level.WARNING,
            "not hearing other hubs' changes from PostgreSQL at "
                + server.display()
                + " (polls read the database meanwhile); trying again in "
                + pauseMillis
                + " ms: "
                + e);
        sleep(pauseMillis);
        pauseMillis = Math.min(MAX_PAUSE.toMillis(), pauseMillis * 2);
      } finally {
        connection = null;
      }
    }
  }

  private void listen(Connection c) throws SQLException {
    PGConnection pg = c.unwrap(PGConnection.class);
    long nextProbe = System.nanoTime() + PROBE_INTERVAL.toNanos();
    while (!closed) {
      PGNotification[] heard = pg.getNotifications(WAIT_MILLIS);
      if (heard != null) {
        for (PGNotification n : heard) {
          deliver(n.getParameter());
        }
      }
      if (System.nanoTime() - nextProbe > 0) {
        try (Statement st = c.createStatement()) {
          st.execute("SELECT 1");
        }
        nextProbe = System.nanoTime() + PROBE_INTERVAL.toNanos();
      }
    }
  }

  private void deliver(String payload) {
    if (payload.startsWith("d:")) {
      receiver.device(payload.substring(2));
    } else {
      receiver.everything(); // "r:<rollout>", or anything a later version sends.
    }
  }

  private Connection connect() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", server.user());
    if (server.password() != null) {
      props.setProperty("password", server.password());
    }
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "30");
    props.setProperty("tcpKeepAlive", "true");
    props.setProperty("ApplicationName", "verge-hub-listen");
    return DriverManager.getConnection(server.jdbcUrl(), props);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    Connection c = connection;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // Closing: the listener thread ends either way.
      }
    }
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
