package dev.verge.hub.push;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * mosquitto's password and ACL files, written by the hub from the {@link PushCredentialStore}: the
 * hub's user may publish every device's desired-state topic and read every presence; a device's
 * user (its id) may read only its own desired-state topic and write only its own presence. Each
 * file is written whole to a temporary file and moved into place, so the broker never reads half of
 * one; then {@link PushConfig#reloadCommand} runs. Group-readable (0640): the broker usually runs
 * as a user of its own, in the hub's group.
 */
final class BrokerFiles {
  static final String PASSWORDS = "passwords";
  static final String ACL = "acl";

  private static final System.Logger LOG = System.getLogger(BrokerFiles.class.getName());
  private static final String HEADER =
      "# Written by the Verge hub from its database; changes made here are lost at its next write.\n";

  private final Path folder;
  private final String hubUser;
  private final String hubHash;
  private final List<String> reload;
  private final Duration timeout;
  private final PushCredentialStore credentials;

  BrokerFiles(
      Path folder,
      String hubUser,
      String hubHash,
      List<String> reload,
      Duration timeout,
      PushCredentialStore credentials) {
    this.folder = folder;
    this.hubUser = hubUser;
    this.hubHash = hubHash;
    this.reload = reload;
    this.timeout = timeout;
    this.credentials = credentials;
  }

  Path passwords() {
    return folder.resolve(PASSWORDS);
  }

  Path acl() {
    return folder.resolve(ACL);
  }

  /**
   * Writes both files from the store and runs the reload command.
   *
   * @return how many device credentials the password file holds
   */
  long write() {
    long devices = writeFiles();
    try {
      reload();
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    return devices;
  }

  /** Writes both files from the store; see {@link #write}. */
  long writeFiles() {
    try {
      Files.createDirectories(folder);
      long[] devices = {0};
      replace(
          passwords(),
          out -> {
            out.write(HEADER);
            line(out, hubUser, hubHash);
            credentials.forEach(
                (device, hash) -> {
                  try {
                    line(out, device, hash);
                    devices[0]++;
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
          });
      replace(acl(), out -> out.write(acl(hubUser)));
      return devices[0];
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the push broker's files in " + folder, e);
    }
  }

  /** Devices read only their own desired state and write only their own presence. */
  static String acl(String hubUser) {
    return HEADER
        + "pattern read verge/devices/%u/desired\n"
        + "pattern write verge/devices/%u/presence\n"
        + "\n"
        + "user "
        + hubUser
        + "\n"
        + "topic write verge/devices/+/desired\n"
        + "topic read verge/devices/+/presence\n";
  }

  private static void line(BufferedWriter out, String user, String hash) throws IOException {
    out.write(user);
    out.write(':');
    out.write(hash);
    out.write('\n');
  }

  private interface Content {
    void write(BufferedWriter out) throws IOException;
  }

  private void replace(Path target, Content content) throws IOException {
    Path temp =
        Files.createTempFile(
            folder,
            "." + target.getFileName() + "-",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
    try {
      try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
        content.write(out);
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Runs the reload command, if any. */
  void reload() throws IOException {
    if (reload.isEmpty()) {
      return;
    }
    Process process =
        new ProcessBuilder(reload)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException(
            "the push reload command " + reload + " ran longer than " + timeout + "; stopped");
      }
      if (process.exitValue() != 0) {
        throw new IOException(
            "the push reload command " + reload + " exited with " + process.exitValue());
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the push reload command ran", e);
    }
    LOG.log(System.Logger.Level.DEBUG, "push broker files rewritten and {0} run", reload);
  }
}
