package dev.verge.core.signing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;

/**
 * Ed25519 publisher keys: generation and PEM files (PKCS#8 private, X.509 public). The JDK does the
 * cryptography; this class only decides the file layout.
 */
public final class Keys {
  public static final String ALGORITHM = "Ed25519";

  private Keys() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot make Ed25519 keys", e);
    }
  }

  /** The files {@link #writePair} made: {@code <name>.key} (owner-only) and {@code <name>.pub}. */
  public record KeyFiles(Path privateKey, Path publicKey, String keyId) {}

  public static KeyFiles writePair(KeyPair pair, Path dir, String name) {
    Path priv = dir.resolve(name + ".key");
    Path pub = dir.resolve(name + ".pub");
    try {
      Files.createDirectories(dir);
      if (Files.exists(priv)) {
        throw new IllegalArgumentException(priv + " exists already; refusing to overwrite a key");
      }
      writeOwnerOnly(priv, Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()));
      Files.writeString(pub, PublisherKey.of(pair.getPublic()).pem());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write keys to " + dir, e);
    }
    return new KeyFiles(priv, pub, PublisherKey.keyIdOf(pair.getPublic()));
  }

  /**
   * Writes {@code text} to a new file that only its owner can read, where the file system allows.
   */
  public static void writeOwnerOnly(Path file, String text) throws IOException {
    Files.deleteIfExists(file);
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
  }

  public static PrivateKey readPrivate(Path file) {
    byte[] der = Pem.decode("PRIVATE KEY", read(file), file.toString());
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new KeyFormatException(file + " is not an Ed25519 private key", e);
    }
  }

  public static PublisherKey readPublic(Path file) {
    return parsePublic(read(file), file.toString());
  }

  public static PublisherKey parsePublic(String pem, String source) {
    byte[] der = Pem.decode("PUBLIC KEY", pem, source);
    try {
      PublicKey key = KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
      return PublisherKey.of(key);
    } catch (GeneralSecurityException e) {
      throw new KeyFormatException(source + " is not an Ed25519 public key", e);
    }
  }

  /**
   * The public half of an Ed25519 private key, so that a signer holding only the private file can
   * name its key id. The JDK has no direct derivation, but its generator takes the private seed
   * from the random source it is given, so feeding it the seed regenerates the same pair.
   */
  public static PublisherKey publicOf(PrivateKey key) {
    if (!(key instanceof EdECPrivateKey edKey) || edKey.getBytes().isEmpty()) {
      throw new KeyFormatException("not an Ed25519 private key: " + key.getAlgorithm());
    }
    byte[] seed = edKey.getBytes().get();
    SecureRandom replay =
        new SecureRandom() {
          @Override
          public void nextBytes(byte[] bytes) {
            System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
          }
        };
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(ALGORITHM);
      generator.initialize(NamedParameterSpec.ED25519, replay);
      return PublisherKey.of(generator.generateKeyPair().getPublic());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot derive Ed25519 public keys", e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (CharacterCodingException e) {
      throw new KeyFormatException(file + " is not a PEM key file (not ASCII text)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read key file " + file, e);
    }
  }
}
