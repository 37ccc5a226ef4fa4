package dev.verge.core.signing;

import dev.verge.core.bundle.Digests;
import java.security.PublicKey;

/**
 * A publisher's public key and the id bundles name it by: the first 16 hex digits of the SHA-256 of
 * its X.509 (SubjectPublicKeyInfo) encoding.
 */
public record PublisherKey(String keyId, PublicKey key) {
  public PublisherKey {
    if (!"Ed25519".equals(key.getAlgorithm()) && !"EdDSA".equals(key.getAlgorithm())) {
      throw new IllegalArgumentException(
          "publisher keys must be Ed25519, got " + key.getAlgorithm());
    }
  }

  public static PublisherKey of(PublicKey key) {
    return new PublisherKey(keyIdOf(key), key);
  }

  public static String keyIdOf(PublicKey key) {
    return Digests.sha256Hex(key.getEncoded()).substring(0, 16);
  }

  public String pem() {
    return Pem.encode("PUBLIC KEY", key.getEncoded());
  }
}
