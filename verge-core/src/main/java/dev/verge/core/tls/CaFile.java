package dev.verge.core.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManagerFactory;

/**
 * Trust in exactly the certificates of a PEM file, instead of the JDK's: how the agent's MQTT
 * sources and actions and the hub's push client check a broker that has its own CA.
 */
public final class CaFile {
  /** A CA file larger than this is refused before it is read. */
  public static final long MAX_BYTES = 1024 * 1024;

  private CaFile() {}

  /**
   * Trust managers for the certificates in {@code file}.
   *
   * @param setting the configuration key that named the file, for the messages
   * @throws IllegalArgumentException naming {@code setting} and the file when it is too large,
   *     holds no certificate, or cannot be read
   */
  public static TrustManagerFactory trusting(Path file, String setting) {
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(
            setting + " " + file + " is larger than " + MAX_BYTES + " bytes");
      }
      Collection<? extends Certificate> certificates;
      try (InputStream in = Files.newInputStream(file)) {
        certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException(setting + " " + file + " holds no certificate");
      }
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int n = 0;
      for (Certificate c : certificates) {
        trust.setCertificateEntry("ca-" + n++, c);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      return factory;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot read " + setting + " " + file + ": " + e.getMessage(), e);
    }
  }
}
