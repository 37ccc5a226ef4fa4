package dev.verge.hub.push;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.verge.core.api.PushAccess;
import dev.verge.core.tls.CaFile;
import dev.verge.hub.device.LastContacts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Desired-state push over MQTT, the hub's side: issues each device its credential on the broker
 * (kept as mosquitto's hash, written with every other into the broker's files by {@link
 * BrokerFiles}), publishes "your desired state changed" to a device's topic when this hub changed
 * it, and hears the devices' retained presence, so that a device connected to the broker stays
 * online without calling the hub.
 *
 * <p>Only changes made on this hub are published: every change is made on some hub, so with several
 * hubs each change is published once. A change made while the broker is unreachable is kept (one
 * entry a device) and published once the hub is connected again; a device that missed one still
 * asks the hub every few minutes, and at once on each reconnect of its own.
 *
 * <p>Presence: a device publishes a retained {@link PushAccess#ONLINE} when it connects and every
 * {@link PushAccess#PRESENCE_REFRESH} after, and its will, a retained {@link PushAccess#OFFLINE},
 * reaches the hub when its connection dies; an {@code online} not refreshed within {@link
 * PushAccess#PRESENCE_MAX_AGE} stops counting ({@link Presence}). While connected to the broker the
 * hub marks every present device as seen each third of the offline threshold, in one batched write
 * ({@link LastContacts}), instead of each device reporting every 30 s over HTTP.
 */
public final class Push implements AutoCloseable {
  /** At most this many publishes await the broker's acknowledgement at once. */
  static final int MAX_IN_FLIGHT = 1_000;

  private static final System.Logger LOG = System.getLogger(Push.class.getName());
  private static final long MAX_HUB_PASSWORD_BYTES = 4096;
  private static final String PRESENCE_FILTER = "verge/devices/+/presence";
  private static final int MAX_DEVICE_ID = 128;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final PushConfig config;
  private final PushCredentialStore credentials;
  private final LastContacts contacts;
  private final Clock clock;
  private final MosquittoHash hashes;
  private final BrokerFiles files;
  private final Mqtt5AsyncClient client;
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final Presence present = new Presence(PushAccess.PRESENCE_MAX_AGE);
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final Semaphore work = new Semaphore(0);
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong failedPublishes = new AtomicLong();
  private final AtomicLong issued = new AtomicLong();
  private final FileWrites writes;
  private final Duration presenceTick;
  private final Thread publisher;
  private final Thread presence;
  private volatile boolean closed;

  private Push(
      PushConfig config,
      PushCredentialStore credentials,
      LastContacts contacts,
      Clock clock,
      Duration offlineAfter,
      String hubPassword) {
    this.config = config;
    this.credentials = credentials;
    this.contacts = contacts;
    this.clock = clock;
    this.hashes = new MosquittoHash(new SecureRandom());
    this.files =
        new BrokerFiles(
            config.brokerFiles(),
            config.username(),
            hashes.hash(hubPassword),
            config.reloadCommand(),
            config.timeout(),
            credentials);
    this.writes = new FileWrites(files);
    this.client = client(config, hubPassword);
    long tick = Math.max(1_000, offlineAfter.toMillis() / 3);
    this.presenceTick = Duration.ofMillis(tick);
    this.publisher = Thread.ofPlatform().name("verge-hub-push").daemon().unstarted(this::publish);
    this.presence =
        Thread.ofPlatform().name("verge-hub-presence").daemon().unstarted(this::markPresent);
  }

  /**
   * Writes the broker's files, then connects to the broker (and keeps reconnecting: a broker that
   * is down at start is no reason for the hub not to serve; devices poll meanwhile).
   *
   * @param config with {@link PushConfig#brokerFiles} and the password file resolved
   * @param offlineAfter the hub's offline threshold: present devices are marked seen each third
   */
  public static Push start(
      PushConfig config,
      PushCredentialStore credentials,
      LastContacts contacts,
      Clock clock,
      Duration offlineAfter) {
    String hubPassword = hubPassword(config.passwordFile());
    Push push = new Push(config, credentials, contacts, clock, offlineAfter, hubPassword);
    long devices = push.files.writeFiles(); // A folder the hub cannot write stops it here.
    try {
      push.files.reload();
    } catch (IOException e) {
      // The broker may simply not run yet; it reads the files when it starts.
      LOG.log(System.Logger.Level.WARNING, "push: " + e.getMessage());
    }
    push.writes.start();
    push.publisher.start();
    push.presence.start();
    push.client
        .connectWith()
        .cleanStart(true)
        .send()
        .whenComplete(
            (ack, failure) -> {
              if (failure != null) {
                LOG.log(
                    System.Logger.Level.WARNING,
                    "push broker {0} not reachable ({1}); retrying, devices poll meanwhile",
                    config.broker(),
                    failure.getMessage());
              }
            });
    push.client
        .subscribeWith()
        .topicFilter(PRESENCE_FILTER)
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(push::presence)
        .send();
    LOG.log(
        System.Logger.Level.INFO,
        "Pushing desired-state changes through {0} as {1}; broker files ({2} device"
            + " credential(s)) in {3}",
        config.broker(),
        config.username(),
        String.valueOf(devices),
        config.brokerFiles());
    return push;
  }

  /**
   * A new credential for the device, replacing its earlier one; returns once the broker's files
   * hold it and the reload command ran (or after the time-out, logged: the broker then accepts it
   * at a later write).
   */
  public PushAccess issue(String deviceId) {
    String password = hashes.newPassword();
    credentials.put(deviceId, hashes.hash(password), clock.instant());
    issued.incrementAndGet();
    if (!writes.awaitWriteAfterNow(config.timeout())) {
      LOG.log(
          System.Logger.Level.WARNING,
          "push credential for {0} issued, but the broker files were not rewritten within {1}",
          deviceId,
          config.timeout());
    }
    return new PushAccess(
        config.deviceBroker().toString(),
        deviceId,
        password,
        PushAccess.desiredTopic(deviceId),
        PushAccess.presenceTopic(deviceId));
  }

  /** This hub changed what the device should run: tell it (coalesced per device). */
  public void changed(String deviceId) {
    if (pending.add(deviceId)) {
      work.release();
    }
  }

  /** Whether the hub is connected to the broker now. */
  public boolean connected() {
    return client.getState().isConnected();
  }

  /** Devices whose presence, refreshed lately, says they are connected to the broker. */
  public int present() {
    return present.size();
  }

  public long published() {
    return published.get();
  }

  public long failedPublishes() {
    return failedPublishes.get();
  }

  /** Changes not published yet (one a device). */
  public int pending() {
    return pending.size();
  }

  public long issued() {
    return issued.get();
  }

  /** How many rewrites of the broker's files failed (each is logged and retried). */
  public long failedFileWrites() {
    return writes.failures();
  }

  private void publish() {
    while (!closed) {
      try {
        work.acquire();
        work.drainPermits();
        while (!closed && !connected()) {
          Thread.sleep(100); // The client reconnects by itself; the changes wait.
        }
        byte[] body =
            ("{\"changedAt\":" + clock.millis() + "}").getBytes(StandardCharsets.US_ASCII);
        for (Iterator<String> it = pending.iterator(); it.hasNext() && !closed; ) {
          String device = it.next();
          it.remove();
          inFlight.acquire();
          send(device, body);
        }
      } catch (InterruptedException e) {
        return;
      } catch (Throwable e) {
        // Error included: the loop that tells devices must outlive one bad iteration.
        LOG.log(System.Logger.Level.ERROR, "push: publishing failed: " + e, e);
        pause();
      }
    }
  }

  private void send(String device, byte[] body) {
    client
        .publishWith()
        .topic(PushAccess.desiredTopic(device))
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(body)
        .send()
        .whenComplete(
            (result, failure) -> {
              inFlight.release();
              if (failure == null && result.getError().isEmpty()) {
                published.incrementAndGet();
              } else {
                failedPublishes.incrementAndGet();
                changed(device); // Again once connected: the device is still to be told.
              }
            });
  }

  private void presence(Mqtt5Publish message) {
    String device = deviceOf(message.getTopic().toString());
    if (device == null) {
      return;
    }
    String state = new String(message.getPayloadAsBytes(), StandardCharsets.US_ASCII);
    if (PushAccess.ONLINE.equals(state)) {
      var now = clock.instant();
      present.online(device, now);
      contacts.seen(device, now);
    } else {
      present.offline(device);
    }
  }

  /** The device of {@code verge/devices/<id>/presence}, or null for anything else. */
  static String deviceOf(String topic) {
    String prefix = "verge/devices/";
    String suffix = "/presence";
    if (!topic.startsWith(prefix) || !topic.endsWith(suffix)) {
      return null;
    }
    String id = topic.substring(prefix.length(), topic.length() - suffix.length());
    return id.isEmpty() || id.length() > MAX_DEVICE_ID || id.contains("/") ? null : id;
  }

  private void markPresent() {
    while (!closed) {
      try {
        Thread.sleep(presenceTick);
        if (connected()) {
          var now = clock.instant();
          present.current(now).forEach(device -> contacts.seen(device, now));
        }
      } catch (InterruptedException e) {
        return;
      } catch (Throwable e) {
        LOG.log(System.Logger.Level.ERROR, "push: marking present devices failed: " + e, e);
      }
    }
  }

  private static void pause() {
    try {
      Thread.sleep(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    publisher.interrupt();
    presence.interrupt();
    writes.close();
    try {
      client.disconnect().get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "push: disconnect: " + e.getMessage());
    }
  }

  private static Mqtt5AsyncClient client(PushConfig config, String password) {
    URI broker = config.broker();
    long timeout = config.timeout().toMillis();
    var transport =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(config.username() + "-" + UUID.randomUUID())
            .transportConfig()
            .serverHost(broker.getHost())
            .serverPort(PushConfig.port(broker))
            .socketConnectTimeout(timeout, TimeUnit.MILLISECONDS)
            .mqttConnectTimeout(timeout, TimeUnit.MILLISECONDS);
    if ("ssl".equals(broker.getScheme())) {
      transport =
          config.caFile() == null
              ? transport.sslWithDefaultConfig()
              : transport.sslConfig(trusting(config.caFile()));
    }
    return transport
        .applyTransportConfig()
        .simpleAuth()
        .username(config.username())
        .password(password.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .automaticReconnect()
        .initialDelay(1, TimeUnit.SECONDS)
        .maxDelay(30, TimeUnit.SECONDS)
        .applyAutomaticReconnect()
        .buildAsync();
  }

  private static MqttClientSslConfig trusting(Path caFile) {
    return MqttClientSslConfig.builder()
        .trustManagerFactory(CaFile.trusting(caFile, "push-ca-file"))
        .build();
  }

  /** The hub's own broker password: read from {@code file}, made there (owner-only) if missing. */
  static String hubPassword(Path file) {
    try {
      if (Files.exists(file)) {
        if (Files.size(file) > MAX_HUB_PASSWORD_BYTES) {
          throw new IllegalArgumentException(
              "push-password-file " + file + " is larger than 4 KiB; it should hold one password");
        }
        String password = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (password.isEmpty()) {
          throw new IllegalArgumentException("push-password-file " + file + " is empty");
        }
        return password;
      }
      String password = new MosquittoHash(new SecureRandom()).newPassword();
      Files.createDirectories(file.toAbsolutePath().getParent());
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (FileAlreadyExistsException e) {
        return hubPassword(file); // Another hub made it a moment ago.
      }
      Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
      return password;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or make push-password-file " + file, e);
    }
  }

  /**
   * Rewrites of the broker's files, one at a time in the background: requests that come while one
   * runs share the next, so a burst of new credentials (a fleet enrolling) costs a few rewrites,
   * not one each.
   */
  private static final class FileWrites {
    private final BrokerFiles files;
    private final Thread thread;
    private final AtomicLong failures = new AtomicLong();
    private long requested; // guarded by this
    private long done; // guarded by this: the last request a finished write covers
    private volatile boolean closed;

    FileWrites(BrokerFiles files) {
      this.files = files;
      this.thread = Thread.ofPlatform().name("verge-hub-push-files").daemon().unstarted(this::run);
    }

    void start() {
      thread.start();
    }

    long failures() {
      return failures.get();
    }

    /** Asks for a write that starts after now; waits for it at most {@code timeout}. */
    synchronized boolean awaitWriteAfterNow(Duration timeout) {
      long mine = ++requested;
      notifyAll();
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        while (done < mine && !closed) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      return done >= mine;
    }

    private void run() {
      Duration backoff = Duration.ofSeconds(1);
      while (!closed) {
        long covering;
        synchronized (this) {
          while (requested == done && !closed) {
            try {
              wait();
            } catch (InterruptedException e) {
              return;
            }
          }
          covering = requested;
        }
        try {
          files.write();
          synchronized (this) {
            done = covering;
            notifyAll();
          }
        } catch (Throwable e) {
          if (closed) {
            return; // Interrupted by close: the next start writes the files anew.
          }
          failures.incrementAndGet();
          LOG.log(System.Logger.Level.ERROR, "push: rewriting the broker files failed: " + e, e);
          pause();
        }
      }
    }

    void close() {
      closed = true;
      thread.interrupt();
      synchronized (this) {
        notifyAll();
      }
    }
  }
}
