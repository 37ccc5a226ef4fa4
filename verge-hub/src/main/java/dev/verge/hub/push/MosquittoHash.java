package dev.verge.hub.push;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Passwords for the push broker and mosquitto's hash of them, as {@code mosquitto_passwd} writes it
 * ({@code $7$<iterations>$<salt>$<hash>}: PBKDF2-HMAC-SHA512, a 12-byte salt, a 64-byte hash,
 * standard Base64), so the hub writes the password file itself and keeps only hashes.
 */
final class MosquittoHash {
  /**
   * mosquitto_passwd's own default. The passwords are 32 random bytes, not chosen by people, so
   * more iterations would add broker CPU on every connect (100,000 devices reconnecting after a
   * broker restart) and no strength.
   */
  static final int ITERATIONS = 101;

  private static final int SALT_BYTES = 12;
  private static final int HASH_BITS = 512;
  private static final int PASSWORD_BYTES = 32;

  private final SecureRandom random;

  MosquittoHash(SecureRandom random) {
    this.random = random;
  }

  /** A new password: 32 random bytes, URL-safe Base64 (43 characters, no padding). */
  String newPassword() {
    byte[] bytes = new byte[PASSWORD_BYTES];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** mosquitto's {@code $7$} hash of {@code password} with a fresh salt. */
  String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    return hash(password, salt, ITERATIONS);
  }

  static String hash(String password, byte[] salt, int iterations) {
    // PBEKeySpec takes chars but PBKDF2WithHmacSHA512 feeds their UTF-8 bytes to the HMAC: the
    // bytes mosquitto hashes for a password given as UTF-8.
    char[] chars = password.toCharArray();
    PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, HASH_BITS);
    try {
      byte[] hash =
          SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
      Base64.Encoder b64 = Base64.getEncoder();
      return "$7$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA512 is missing from this JDK", e);
    } finally {
      spec.clearPassword();
      Arrays.fill(chars, '\0');
    }
  }

  /** Whether {@code hash} (a {@code $7$} line's hash) is {@code password}'s. */
  static boolean matches(String password, String hash) {
    String[] parts = hash.split("\\$");
    if (parts.length != 5 || !"7".equals(parts[1])) {
      return false;
    }
    byte[] salt = Base64.getDecoder().decode(parts[3]);
    String again = hash(password, salt, Integer.parseInt(parts[2]));
    return MessageDigest.isEqual(
        again.getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII));
  }
}
