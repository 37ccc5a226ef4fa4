package dev.verge.core.signing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The publisher keys a device (or the hub) accepts bundle signatures from, by key id. */
public final class TrustStore {
  private final Map<String, PublisherKey> keys;

  private TrustStore(Map<String, PublisherKey> keys) {
    this.keys = Map.copyOf(keys);
  }

  public static TrustStore of(Collection<PublisherKey> keys) {
    Map<String, PublisherKey> byId = new LinkedHashMap<>();
    keys.forEach(k -> byId.put(k.keyId(), k));
    return new TrustStore(byId);
  }

  public static TrustStore empty() {
    return new TrustStore(Map.of());
  }

  /** Reads each path: a {@code .pub} PEM file, or a folder whose {@code *.pub} files are read. */
  public static TrustStore load(List<Path> paths) {
    Map<String, PublisherKey> byId = new LinkedHashMap<>();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        try (Stream<Path> files = Files.list(path)) {
          files
              .filter(f -> f.getFileName().toString().endsWith(".pub"))
              .sorted()
              .map(Keys::readPublic)
              .forEach(k -> byId.put(k.keyId(), k));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list trusted keys in " + path, e);
        }
      } else {
        PublisherKey key = Keys.readPublic(path);
        byId.put(key.keyId(), key);
      }
    }
    return new TrustStore(byId);
  }

  public TrustStore with(PublisherKey key) {
    Map<String, PublisherKey> more = new LinkedHashMap<>(keys);
    more.put(key.keyId(), key);
    return new TrustStore(more);
  }

  public Optional<PublisherKey> find(String keyId) {
    return keyId == null ? Optional.empty() : Optional.ofNullable(keys.get(keyId));
  }

  public Collection<PublisherKey> keys() {
    return keys.values();
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }
}
