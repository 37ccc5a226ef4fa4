package dev.verge.agent.mqtt;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real MQTT broker for tests: Debian's {@code mosquitto} (2.0), started on a free loopback port
 * from a configuration written into {@code dir}, with persistence on (so sessions and queued
 * messages survive {@link #restart()}), and, when users are given, a password file made with {@code
 * mosquitto_passwd -b} and anonymous access off. Self-contained on purpose: hub↔agent MQTT tests
 * can use it as it is. It never skips: without {@code mosquitto} it fails naming the package to
 * install.
 *
 * <pre>{@code
 * try (MosquittoBroker broker = MosquittoBroker.start(dir, Map.of("edge", "s3cret"))) {
 *   URI url = broker.url(); // tcp://127.0.0.1:<port>
 *   broker.kill();          // SIGKILL, as a power cut of the broker would
 *   broker.restart();       // same port, same persistence file
 * }
 * }</pre>
 */
public final class MosquittoBroker implements AutoCloseable {
  /** Where Debian puts them; a {@code PATH} lookup is tried as well. */
  private static final String BROKER = "/usr/sbin/mosquitto";

  private static final String PASSWD = "/usr/bin/mosquitto_passwd";
  private static final Duration START = Duration.ofSeconds(15);

  private final Path dir;
  private final int port;
  private final Path config;
  private final Path certificate;
  private Process process;

  private MosquittoBroker(Path dir, int port, Path config, Path certificate) {
    this.dir = dir;
    this.port = port;
    this.config = config;
    this.certificate = certificate;
  }

  /**
   * A broker open to anyone over TLS only, with a self-signed certificate for 127.0.0.1 and
   * localhost made for it (by the JDK's keytool); {@link #certificate()} is its PEM, for a client
   * to trust.
   */
  public static MosquittoBroker startTls(Path dir) {
    return start(dir, Map.of(), true);
  }

  /**
   * A broker that reads its users from {@code folder/passwords} and their rights from {@code
   * folder/acl}, files someone else writes (the hub's push), rereading both on {@link #reload()};
   * empty files are made if missing, so that it starts.
   */
  public static MosquittoBroker startWithFiles(Path dir, Path folder) {
    try {
      Files.createDirectories(folder);
      for (String name : List.of("passwords", "acl")) {
        if (!Files.exists(folder.resolve(name))) {
          Files.writeString(folder.resolve(name), "");
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot make the broker's files in " + folder, e);
    }
    return start(dir, Map.of(), false, folder);
  }

  /** SIGHUP: mosquitto rereads its password and ACL files. */
  public void reload() {
    try {
      run(reloadCommand());
    } catch (IOException e) {
      throw new IllegalStateException("cannot reload mosquitto: " + e, e);
    }
  }

  /** The command that makes this broker reread its files, for a hub's push configuration. */
  public List<String> reloadCommand() {
    return List.of("kill", "-HUP", String.valueOf(process.pid()));
  }

  /** A broker open to anyone. */
  public static MosquittoBroker start(Path dir) {
    return start(dir, Map.of());
  }

  /**
   * A broker that takes only {@code users} (name to password) when any are given.
   *
   * @throws IllegalStateException naming {@code apt-get install mosquitto} when it is missing
   */
  public static MosquittoBroker start(Path dir, Map<String, String> users) {
    return start(dir, users, false);
  }

  private static MosquittoBroker start(Path dir, Map<String, String> users, boolean tls) {
    return start(dir, users, tls, null);
  }

  private static MosquittoBroker start(
      Path dir, Map<String, String> users, boolean tls, Path files) {
    String broker = find(BROKER, "mosquitto");
    try {
      Files.createDirectories(dir);
      List<String> lines = new ArrayList<>();
      int port = freePort();
      lines.add("listener " + port + " 127.0.0.1");
      Path certificate = null;
      if (tls) {
        certificate = dir.resolve("broker.pem");
        Path key = dir.resolve("broker.key");
        selfSigned(dir, certificate, key);
        lines.add("certfile " + certificate.toAbsolutePath());
        lines.add("keyfile " + key.toAbsolutePath());
      }
      lines.add("persistence true");
      lines.add("persistence_location " + dir.toAbsolutePath() + "/");
      // Saved after every change, so that a SIGKILL loses no queued message either.
      lines.add("autosave_on_changes true");
      lines.add("autosave_interval 1");
      lines.add("max_queued_messages 0");
      lines.add("max_inflight_messages 0");
      lines.add("persistent_client_expiration 1d");
      lines.add("log_dest file " + dir.toAbsolutePath().resolve("mosquitto.log"));
      lines.add("log_type all");
      // Started as root, mosquitto would switch to the 'mosquitto' user, who cannot write here.
      lines.add("user " + System.getProperty("user.name"));
      if (files != null) {
        lines.add("allow_anonymous false");
        lines.add("password_file " + files.toAbsolutePath().resolve("passwords"));
        lines.add("acl_file " + files.toAbsolutePath().resolve("acl"));
      } else if (users.isEmpty()) {
        lines.add("allow_anonymous true");
      } else {
        Path passwords = dir.resolve("passwords");
        Files.writeString(passwords, "");
        String passwd = find(PASSWD, "mosquitto_passwd");
        for (Map.Entry<String, String> user : new LinkedHashMap<>(users).entrySet()) {
          run(List.of(passwd, "-b", passwords.toString(), user.getKey(), user.getValue()));
        }
        lines.add("allow_anonymous false");
        lines.add("password_file " + passwords.toAbsolutePath());
      }
      Path config = dir.resolve("mosquitto.conf");
      Files.write(config, lines, StandardCharsets.UTF_8);
      MosquittoBroker started = new MosquittoBroker(dir, port, config, certificate);
      started.launch(broker);
      return started;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start mosquitto in " + dir + ": " + e, e);
    }
  }

  /** {@code tcp://127.0.0.1:<port>}, or {@code ssl://} for a TLS broker. */
  public URI url() {
    return URI.create((certificate == null ? "tcp" : "ssl") + "://127.0.0.1:" + port);
  }

  /** The TLS broker's certificate (PEM); null for a plain one. */
  public Path certificate() {
    return certificate;
  }

  public int port() {
    return port;
  }

  /** The broker's log so far, for assertion messages. */
  public String log() {
    try {
      Path log = dir.resolve("mosquitto.log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(cannot read the log: " + e + ")";
    }
  }

  /** Ends the broker with SIGKILL: no goodbye to its clients. */
  public void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      waitFor();
    }
  }

  /** Ends the broker with SIGTERM: it saves its persistence file and closes its clients. */
  public void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      waitFor();
    }
  }

  /** Starts it again, on the same port, with what it had persisted. */
  public void restart() {
    stop();
    launch(find(BROKER, "mosquitto"));
  }

  private void waitFor() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void launch(String broker) {
    try {
      process =
          new ProcessBuilder(broker, "-c", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("mosquitto.out").toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + broker + ": " + e, e);
    }
    long deadline = System.nanoTime() + START.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "mosquitto exited with " + process.exitValue() + " at start: " + output() + log());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while mosquitto started", e);
        }
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException(
        "mosquitto did not listen on port " + port + " within " + START + ": " + output() + log());
  }

  private String output() {
    try {
      return Files.readString(dir.resolve("mosquitto.out"));
    } catch (IOException e) {
      return "";
    }
  }

  private static String find(String debianPath, String name) {
    if (Files.isExecutable(Path.of(debianPath))) {
      return debianPath;
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(entry, name);
        if (Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    throw new IllegalStateException(
        name
            + " is not installed: the MQTT tests run a real broker. Install it with"
            + " 'apt-get install mosquitto' (or run './verge test', which does)");
  }

  private static void run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      byte[] out = p.getInputStream().readNBytes(64 * 1024);
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(
            command.getFirst() + " failed: " + new String(out, StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** A self-signed EC certificate for 127.0.0.1 and localhost, and its key, both PEM. */
  private static void selfSigned(Path dir, Path certificate, Path key) throws IOException {
    Path store = dir.resolve("broker.p12");
    Files.deleteIfExists(store);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    char[] password = "changeit".toCharArray();
    run(
        List.of(
            keytool,
            "-genkeypair",
            "-alias",
            "broker",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            "CN=localhost",
            "-ext",
            "SAN=ip:127.0.0.1,dns:localhost",
            "-validity",
            "2",
            "-keystore",
            store.toString(),
            "-storetype",
            "PKCS12",
            "-storepass",
            new String(password)));
    try {
      java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(store)) {
        keys.load(in, password);
      }
      java.util.Base64.Encoder pem =
          java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
      Files.writeString(
          certificate,
          "-----BEGIN CERTIFICATE-----\n"
              + pem.encodeToString(keys.getCertificate("broker").getEncoded())
              + "\n-----END CERTIFICATE-----\n");
      Files.writeString(
          key,
          "-----BEGIN PRIVATE KEY-----\n"
              + pem.encodeToString(keys.getKey("broker", password).getEncoded())
              + "\n-----END PRIVATE KEY-----\n");
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot make the broker's certificate: " + e, e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    kill();
  }
}
