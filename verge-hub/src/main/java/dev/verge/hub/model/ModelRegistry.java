package dev.verge.hub.model;

import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.ModelView;
import dev.verge.core.api.PublisherKeyRequest;
import dev.verge.core.api.PublisherKeyView;
import dev.verge.core.bundle.Bundle;
import dev.verge.core.bundle.BundleException;
import dev.verge.core.bundle.Digests;
import dev.verge.core.bundle.Manifest;
import dev.verge.core.signing.KeyFormatException;
import dev.verge.core.signing.Keys;
import dev.verge.core.signing.PublisherKey;
import dev.verge.core.signing.TrustStore;
import dev.verge.hub.HubException;
import dev.verge.hub.store.Created;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Publisher keys and published model versions. A bundle is accepted only if it opens cleanly and a
 * trusted key signed it; it is then kept, immutable, in the {@link BundleStore} by its SHA-256.
 */
public final class ModelRegistry {
  public static final String BUNDLE_SUFFIX = FolderBundleStore.BUNDLE_SUFFIX;
  private static final int MAX_KEY_NAME = 200;
  private static final System.Logger LOG = System.getLogger(ModelRegistry.class.getName());

  private final ModelStore store;
  private final BundleStore bundles;
  private final TrustStore configuredKeys;
  private final long maxBundleBytes;
  private final Clock clock;
  private final PublishListener listener;

  public ModelRegistry(
      ModelStore store,
      BundleStore bundles,
      TrustStore configuredKeys,
      long maxBundleBytes,
      Clock clock,
      PublishListener listener) {
    this.store = store;
    this.bundles = bundles;
    this.configuredKeys = configuredKeys;
    this.maxBundleBytes = maxBundleBytes;
    this.clock = clock;
    this.listener = listener;
  }

  // Publisher keys.

  /** Registers a publisher key; registering a known key again returns it unchanged. */
  public Created<PublisherKeyView> registerKey(PublisherKeyRequest request) {
    if (request == null || request.publicKeyPem() == null || request.publicKeyPem().isBlank()) {
      throw new HubException.InvalidInput(
          "publicKeyPem is required: the publisher's Ed25519 public key as PEM");
    }
    PublisherKey key;
    try {
      key = Keys.parsePublic(request.publicKeyPem(), "publicKeyPem");
    } catch (KeyFormatException | IllegalArgumentException e) {
      throw new HubException.InvalidInput(e.getMessage(), e);
    }
    String name = request.name() == null || request.name().isBlank() ? key.keyId() : request.name();
    if (name.length() > MAX_KEY_NAME) {
      throw new HubException.InvalidInput(
          "name must be at most " + MAX_KEY_NAME + " characters, got " + name.length());
    }
    Created<RegisteredKey> stored =
        store.addPublisherKey(new RegisteredKey(key.keyId(), name, key.pem(), now()));
    if (stored.created()) {
      LOG.log(System.Logger.Level.INFO, "Registered publisher key {0} ({1})", key.keyId(), name);
    }
    return new Created<>(stored.value().view(), stored.created());
  }

  public List<PublisherKeyView> keys() {
    return store.publisherKeys().stream().map(RegisteredKey::view).toList();
  }

  /** The configured keys plus those registered through the API. */
  TrustStore trust() {
    TrustStore trust = configuredKeys;
    for (RegisteredKey view : store.publisherKeys()) {
      trust = trust.with(Keys.parsePublic(view.publicKeyPem(), "publisher key " + view.keyId()));
    }
    return trust;
  }

  // Publishing.

  /**
   * Publishes the bundle read from {@code body}, streamed to a temporary file and never held in
   * memory.
   *
   * @param declaredLength the body's length if the client declared it, else -1
   * @throws HubException.UploadTooLarge over the configured maximum
   * @throws HubException.BundleRefused when a bundle check fails; the code is the {@link
   *     dev.verge.core.bundle.BundleProblem} name
   * @throws HubException.VersionConflict when this name and version hold a different bundle
   */
  public Published publish(InputStream body, long declaredLength) {
    Published published;
    try {
      published = receive(body, declaredLength);
    } catch (RuntimeException e) {
      listener.refused(e instanceof HubException h ? h.code() : "INTERNAL");
      throw e;
    }
    listener.published(published);
    return published;
  }

  private Published receive(InputStream body, long declaredLength) {
    if (declaredLength > maxBundleBytes) {
      throw tooLarge(declaredLength + " bytes");
    }
    if (declaredLength > usableSpace()) {
      throw noRoom(declaredLength + " bytes", null);
    }
    Path upload;
    try {
      upload = bundles.newUpload();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create an upload file in " + bundles, e);
    }
    try {
      return publishUpload(body, upload);
    } finally {
      try {
        Files.deleteIfExists(upload);
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot remove upload file " + upload, e);
      }
    }
  }

  private Published publishUpload(InputStream body, Path upload) {
    MessageDigest sha256 = Digests.sha256();
    long size = copy(body, upload, sha256);
    if (size == 0) {
      throw new HubException.InvalidInput("the request body is empty; expected a bundle's bytes");
    }
    String digest = HexFormat.of().formatHex(sha256.digest());
    ModelVersion candidate = open(upload, digest, size);
    var existing = store.modelVersion(candidate.name(), candidate.version());
    if (existing.isPresent()) {
      return new Published(sameOrConflict(existing.get(), digest), false);
    }
    try {
      bundles.keep(upload, digest);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store bundle " + bundles.describe(digest), e);
    }
    Created<ModelVersion> stored = store.addModelVersion(candidate);
    if (!stored.created() && !stored.value().bundleDigest().equals(digest)) {
      // Another upload of this name and version won the race with different bytes; ours is
      // referenced by nothing (the digest covers the manifest, so it names only this version).
      try {
        bundles.remove(digest);
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot remove " + bundles.describe(digest), e);
      }
    }
    if (stored.created()) {
      LOG.log(
          System.Logger.Level.INFO,
          "Published {0} v{1} ({2}, {3} bytes)",
          candidate.name(),
          String.valueOf(candidate.version()),
          digest,
          String.valueOf(size));
      return new Published(stored.value().view(), true);
    }
    return new Published(sameOrConflict(stored.value(), digest), false);
  }

  /** Copies the body to the upload file, durably: the file is renamed into place next. */
  private long copy(InputStream body, Path upload, MessageDigest sha256) {
    byte[] buffer = new byte[64 * 1024];
    long size = 0;
    try (FileChannel file = FileChannel.open(upload, StandardOpenOption.WRITE);
        OutputStream out = Channels.newOutputStream(file)) {
      for (int n; (n = read(body, buffer)) >= 0; ) {
        size += n;
        if (size > maxBundleBytes) {
          throw tooLarge("more than " + maxBundleBytes + " bytes");
        }
        sha256.update(buffer, 0, n);
        out.write(buffer, 0, n);
      }
      file.force(true);
    } catch (IOException e) {
      if (usableSpace() < buffer.length) {
        throw noRoom("cut off after " + size + " bytes", e);
      }
      throw new UncheckedIOException("cannot write the upload to " + upload, e);
    }
    return size;
  }

  private static int read(InputStream body, byte[] buffer) {
    try {
      return body.read(buffer);
    } catch (IOException e) {
      throw new HubException.InvalidInput("the upload broke off: " + e.getMessage(), e);
    }
  }

  private ModelVersion open(Path upload, String digest, long size) {
    try (Bundle bundle = Bundle.open(upload)) {
      PublisherKey signer = bundle.verifySignature(trust());
      Manifest manifest = bundle.manifest();
      bundle.samples(); // a sample file no device could read is refused here, not on every device
      return new ModelVersion(
          manifest.name(),
          manifest.version(),
          digest,
          size,
          signer.keyId(),
          now(),
          manifest.inputs(),
          manifest.outputs(),
          manifest.metadata());
    } catch (BundleException e) {
      String message = e.getMessage().replace(upload.getFileName().toString(), "the upload");
      throw new HubException.BundleRefused(message, e.problem(), e);
    }
  }

  private static ModelVersionView sameOrConflict(ModelVersion existing, String digest) {
    if (existing.bundleDigest().equals(digest)) {
      return existing.view();
    }
    throw new HubException.VersionConflict(
        existing.name()
            + " v"
            + existing.version()
            + " is already published with bundle "
            + existing.bundleDigest()
            + "; this upload is "
            + digest
            + ". Publish changes under a new version.");
  }

  /** Free bytes for uploads; a store that cannot be asked counts as roomy. */
  private long usableSpace() {
    return bundles.usableSpace();
  }

  private HubException noRoom(String what, Throwable cause) {
    return new HubException.DiskFull(
        "no room on the hub's disk for this bundle ("
            + what
            + ", "
            + usableSpace()
            + " bytes free in the bundle folder); free space and publish again",
        cause);
  }

  private HubException tooLarge(String what) {
    return new HubException.UploadTooLarge(
        "the bundle is " + what + "; this hub accepts at most " + maxBundleBytes + " bytes");
  }

  // Reading.

  /** Every model with its versions ascending, models by name. */
  public List<ModelView> models() {
    Map<String, List<ModelVersionView>> byName = new LinkedHashMap<>();
    for (ModelVersion version : store.modelVersions()) {
      byName.computeIfAbsent(version.name(), n -> new ArrayList<>()).add(version.view());
    }
    return byName.entrySet().stream().map(e -> new ModelView(e.getKey(), e.getValue())).toList();
  }

  public ModelView model(String name) {
    List<ModelVersionView> versions =
        store.modelVersions(name).stream().map(ModelVersion::view).toList();
    if (versions.isEmpty()) {
      throw new HubException.NoSuchModel(name);
    }
    return new ModelView(name, versions);
  }

  public ModelVersionView version(String name, long version) {
    return store
        .modelVersion(name, version)
        .map(ModelVersion::view)
        .orElseThrow(
            () ->
                new HubException.NoSuchVersion(
                    "model '" + name + "' has no published version " + version));
  }

  /** The stored bundle with this SHA-256, if a published version has it. */
  public BundleFile bundle(String digest) {
    if (!Digests.isSha256Hex(digest)) {
      throw new HubException.InvalidInput(
          "'" + digest + "' is not a bundle digest (64 lower-case hex digits of SHA-256)");
    }
    ModelVersion version =
        store.modelVersionByDigest(digest).orElseThrow(() -> new HubException.NoSuchBundle(digest));
    long size;
    try {
      size = bundles.size(digest);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "bundle of "
              + version.name()
              + " v"
              + version.version()
              + " is unreadable: "
              + bundles.describe(digest),
          e);
    }
    if (size != version.bundleSize()) {
      throw new IllegalStateException(
          bundles.describe(digest)
              + " is "
              + size
              + " bytes but was published with "
              + version.bundleSize());
    }
    return new BundleFile(digest, size);
  }

  /** The bytes of a bundle {@link #bundle} found, from byte {@code from} on. */
  public InputStream openBundle(BundleFile file, long from) throws IOException {
    return bundles.open(file.digest(), from);
  }

  /** Removes uploads left behind by a crash, leaving any younger than a day to their writer. */
  public void removeStaleUploads() {
    bundles.removeStaleUploads(clock.instant().minus(1, ChronoUnit.DAYS));
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
