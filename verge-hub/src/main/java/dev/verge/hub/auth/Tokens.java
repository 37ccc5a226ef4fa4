package dev.verge.hub.auth;

import dev.verge.core.bundle.Digests;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Bearer secrets: 256 random bits in base64url behind a prefix that says what the secret is for.
 *
 * <p>The hub stores only {@link #hash}, a plain SHA-256. A slow password hash (bcrypt, Argon2)
 * exists to make guessing low-entropy human passwords expensive; these secrets come from {@link
 * SecureRandom} with 256 bits of entropy, so there is nothing to guess and a fast, unsalted hash is
 * as safe. It is also deterministic, which lets the hub find a credential by looking up its hash in
 * an index instead of comparing secrets.
 */
public final class Tokens {
  public static final String ADMIN_PREFIX = "vadm_";
  public static final String DEVICE_PREFIX = "vdev_";
  public static final String ENROLLMENT_PREFIX = "venr_";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int BYTES = 32;

  private Tokens() {}

  public static String generate(String prefix) {
    byte[] secret = new byte[BYTES];
    RANDOM.nextBytes(secret);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  /** The SHA-256 of the token's UTF-8 bytes, in lower-case hex: what the hub stores. */
  public static String hash(String token) {
    return Digests.sha256Hex(token.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code bytes} random bytes in lower-case hex, for ids that must not collide. */
  public static String randomHex(int bytes) {
    byte[] value = new byte[bytes];
    RANDOM.nextBytes(value);
    return java.util.HexFormat.of().formatHex(value);
  }
}
