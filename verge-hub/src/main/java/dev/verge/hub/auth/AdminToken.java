package dev.verge.hub.auth;

import dev.verge.core.signing.Keys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The operator's token. The first start makes one, keeps its hash in the database and writes the
 * token itself to {@code admin.token} (owner-only); later starts find the hash and keep the file.
 */
public final class AdminToken {
  public static final String FILE_NAME = "admin.token";
  private static final System.Logger LOG = System.getLogger(AdminToken.class.getName());

  private final Path file;
  private final byte[] hash;

  private AdminToken(Path file, String hash) {
    this.file = file;
    this.hash = hash.getBytes(StandardCharsets.US_ASCII);
  }

  public static AdminToken initialize(SettingsStore store, Path dataDir) {
    Path file = dataDir.resolve(FILE_NAME);
    Optional<String> existing = store.adminTokenHash();
    if (existing.isPresent()) {
      return new AdminToken(file, existing.get());
    }
    String token = Tokens.generate(Tokens.ADMIN_PREFIX);
    String hash = Tokens.hash(token);
    // Written beside the final name first: if the hash were stored and the process died before the
    // file was written, nobody could ever use the hub's management API.
    Path pending = dataDir.resolve(FILE_NAME + ".new");
    try {
      Keys.writeOwnerOnly(pending, token + "\n");
      if (!store.initAdminTokenHash(hash)) {
        // Another hub on the same database got there first; its token stands.
        Files.deleteIfExists(pending);
        return new AdminToken(file, store.adminTokenHash().orElseThrow());
      }
      Files.move(
          pending, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the admin token to " + file, e);
    }
    LOG.log(System.Logger.Level.INFO, "Created the admin token; it is in {0}", file);
    return new AdminToken(file, hash);
  }

  /** Whether {@code tokenHash} (see {@link Tokens#hash}) is the admin token's. */
  public boolean matches(String tokenHash) {
    return MessageDigest.isEqual(hash, tokenHash.getBytes(StandardCharsets.US_ASCII));
  }

  /** The token from {@code admin.token}, or null once that file is gone. */
  public String read() {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
