package dev.verge.core.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.CanonicalJson;
import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import dev.verge.core.signing.PublisherKey;
import dev.verge.core.signing.Signatures;
import dev.verge.core.signing.TrustStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * An opened bundle whose archive, manifest and file digests have been checked. Opening never trusts
 * the archive: every entry name is checked for escapes, every listed file is hashed, and nothing is
 * written to disk. Whether the publisher is trusted is a separate step, {@link #verifySignature}.
 *
 * <p>Every read is bounded before it allocates: the manifest and the signature by a cap of their
 * own, each listed file by the size the manifest gives it (a deflated entry can expand far beyond
 * its compressed size, and the signature covers only the manifest's canonical form, so a validly
 * signed manifest can be padded with whitespace). Reading stops as soon as an entry passes its cap.
 */
public final class Bundle implements AutoCloseable {
  /** The most bytes {@code manifest.json} may hold; a real one is a few KiB. */
  public static final int MAX_MANIFEST_BYTES = 1024 * 1024;

  /** The most bytes {@code signature.json} may hold; a real one is about 150 bytes. */
  public static final int MAX_SIGNATURE_BYTES = 64 * 1024;

  /** The largest file {@link #readFile} reads into one array (a Java array's limit). */
  public static final long MAX_READ_BYTES = Integer.MAX_VALUE - 8;

  private final Path path;
  private final ZipFile zip;
  private final Manifest manifest;
  private final byte[] canonicalManifest;
  private final BundleSignature signature;

  private Bundle(
      Path path, ZipFile zip, Manifest manifest, byte[] canonical, BundleSignature signature) {
    this.path = path;
    this.zip = zip;
    this.manifest = manifest;
    this.canonicalManifest = canonical;
    this.signature = signature;
  }

  /**
   * Opens and checks {@code file}.
   *
   * @throws BundleException naming the check that failed
   */
  public static Bundle open(Path file) {
    ZipFile zip;
    try {
      zip = new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new BundleException(
          BundleProblem.CORRUPT_ARCHIVE,
          file.getFileName() + " is not a valid bundle archive: " + e.getMessage(),
          e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read bundle " + file, e);
    }
    try {
      return check(file, zip);
    } catch (RuntimeException e) {
      closeQuietly(zip);
      throw e;
    }
  }

  private static Bundle check(Path file, ZipFile zip) {
    Set<String> names = new HashSet<>();
    Enumeration<? extends ZipEntry> entries = zip.entries();
    while (entries.hasMoreElements()) {
      ZipEntry entry = entries.nextElement();
      String name = entry.getName();
      if (entry.isDirectory()) {
        BundlePaths.requireSafe(name.substring(0, name.length() - 1));
        continue;
      }
      BundlePaths.requireSafe(name);
      if (!names.add(name)) {
        throw new BundleException(
            BundleProblem.CORRUPT_ARCHIVE, "bundle holds entry '" + name + "' twice");
      }
    }
    if (!names.contains(Manifest.FILE_NAME)) {
      throw new BundleException(
          BundleProblem.INVALID_MANIFEST, "bundle has no " + Manifest.FILE_NAME);
    }
    JsonNode tree;
    try {
      tree = Json.tree(readCapped(zip, Manifest.FILE_NAME, MAX_MANIFEST_BYTES));
    } catch (JsonFormatException e) {
      throw new BundleException(
          BundleProblem.INVALID_MANIFEST, Manifest.FILE_NAME + " is " + e.getMessage(), e);
    }
    if (!tree.isObject()) {
      throw new BundleException(
          BundleProblem.INVALID_MANIFEST, Manifest.FILE_NAME + " is not a JSON object");
    }
    FormatVersion format = FormatVersion.parse(tree.path("formatVersion").asText(null));
    if (!format.isReadable()) {
      throw new BundleException(
          BundleProblem.UNSUPPORTED_FORMAT,
          "bundle format "
              + format
              + " is not supported: this Verge reads format "
              + FormatVersion.CURRENT.major()
              + ".x; upgrade Verge to read it");
    }
    Manifest manifest;
    try {
      manifest = Json.convert(tree, Manifest.class).validate();
    } catch (JsonFormatException e) {
      throw new BundleException(
          BundleProblem.INVALID_MANIFEST, Manifest.FILE_NAME + " is " + e.getMessage(), e);
    }
    Set<String> listed = new HashSet<>();
    for (FileEntry entry : manifest.files()) {
      if (BundlePaths.RESERVED.contains(entry.path())) {
        throw new BundleException(
            BundleProblem.INVALID_MANIFEST, "manifest lists reserved name " + entry.path());
      }
      listed.add(entry.path());
      checkFile(zip, entry);
    }
    for (String name : names) {
      if (!listed.contains(name) && !BundlePaths.RESERVED.contains(name)) {
        throw new BundleException(
            BundleProblem.UNLISTED_FILE,
            "bundle holds '" + name + "', which the manifest does not list");
      }
    }
    BundleSignature signature = null;
    if (names.contains(Manifest.SIGNATURE_FILE_NAME)) {
      try {
        signature =
            Json.read(
                readCapped(zip, Manifest.SIGNATURE_FILE_NAME, MAX_SIGNATURE_BYTES),
                BundleSignature.class);
      } catch (JsonFormatException e) {
        throw new BundleException(
            BundleProblem.BAD_SIGNATURE, Manifest.SIGNATURE_FILE_NAME + " is " + e.getMessage(), e);
      }
    }
    return new Bundle(file, zip, manifest, CanonicalJson.bytes(tree), signature);
  }

  private static void checkFile(ZipFile zip, FileEntry file) {
    ZipEntry entry = zip.getEntry(file.path());
    if (entry == null) {
      throw new BundleException(
          BundleProblem.MISSING_FILE, "manifest lists " + file.path() + " but the bundle lacks it");
    }
    if (entry.getSize() > file.size()) {
      // The archive's own record of the size; the read below checks the bytes themselves.
      throw larger(file);
    }
    MessageDigest digest = Digests.sha256();
    long size = 0;
    try (InputStream in = zip.getInputStream(entry)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        size += n;
        if (size > file.size()) {
          throw larger(file); // stop here: an entry may expand without end
        }
        digest.update(buffer, 0, n);
      }
    } catch (ZipException e) {
      throw new BundleException(
          BundleProblem.CORRUPT_ARCHIVE,
          "entry " + file.path() + " is damaged: " + e.getMessage(),
          e);
    } catch (IOException e) {
      throw new BundleException(
          BundleProblem.CORRUPT_ARCHIVE,
          "cannot read entry " + file.path() + ": " + e.getMessage(),
          e);
    }
    if (size != file.size()) {
      throw new BundleException(
          BundleProblem.DIGEST_MISMATCH,
          file.path() + " is " + size + " bytes, the manifest says " + file.size());
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!actual.equals(file.sha256())) {
      throw new BundleException(
          BundleProblem.DIGEST_MISMATCH,
          file.path() + " has SHA-256 " + actual + ", the manifest says " + file.sha256());
    }
  }

  private static BundleException larger(FileEntry file) {
    return new BundleException(
        BundleProblem.DIGEST_MISMATCH,
        file.path() + " holds more than the " + file.size() + " bytes the manifest says");
  }

  /**
   * Checks that the bundle is signed by a key in {@code trust} and that the signature covers this
   * manifest.
   *
   * @return the key that signed it
   * @throws BundleException UNSIGNED, UNTRUSTED_KEY or BAD_SIGNATURE
   */
  public PublisherKey verifySignature(TrustStore trust) {
    if (signature == null) {
      throw new BundleException(
          BundleProblem.UNSIGNED, "bundle " + describe() + " is not signed (no signature.json)");
    }
    if (!"Ed25519".equals(signature.algorithm())) {
      throw new BundleException(
          BundleProblem.BAD_SIGNATURE,
          "bundle "
              + describe()
              + " is signed with unsupported algorithm "
              + signature.algorithm());
    }
    if (signature.keyId() == null) {
      throw new BundleException(
          BundleProblem.BAD_SIGNATURE,
          "bundle " + describe() + " has a signature.json that names no keyId");
    }
    PublisherKey key =
        trust
            .find(signature.keyId())
            .orElseThrow(
                () ->
                    new BundleException(
                        BundleProblem.UNTRUSTED_KEY,
                        "bundle "
                            + describe()
                            + " is signed by key "
                            + signature.keyId()
                            + ", which is not a trusted publisher key"));
    byte[] value;
    try {
      value = Base64.getDecoder().decode(signature.value() == null ? "" : signature.value());
    } catch (IllegalArgumentException e) {
      throw new BundleException(
          BundleProblem.BAD_SIGNATURE,
          "bundle " + describe() + " has a signature that is not base64");
    }
    if (!Signatures.verify(key.key(), canonicalManifest, value)) {
      throw new BundleException(
          BundleProblem.BAD_SIGNATURE,
          "bundle "
              + describe()
              + ": signature by key "
              + key.keyId()
              + " does not match the manifest (tampered manifest or signature)");
    }
    return key;
  }

  public Manifest manifest() {
    return manifest;
  }

  public Optional<BundleSignature> signature() {
    return Optional.ofNullable(signature);
  }

  /** The bytes that a publisher signs: the manifest as canonical JSON. */
  public byte[] canonicalManifest() {
    return canonicalManifest.clone();
  }

  public Path path() {
    return path;
  }

  /**
   * Reads a listed file into memory, for example the model an engine loads without extracting it.
   * At most the manifest's size for it is read, into an array of exactly that size; a caller that
   * holds memory to a budget checks {@code manifest().file(path).size()} first.
   *
   * @throws BundleException CORRUPT_ARCHIVE when the entry is damaged, DIGEST_MISMATCH when it no
   *     longer holds the listed size (the file changed since it was opened), INVALID_MANIFEST when
   *     the listed size is beyond what one array holds
   */
  public byte[] readFile(String filePath) {
    return read(filePath, ByteBuffer::allocate).array();
  }

  /**
   * Reads a listed file into a direct buffer, off the heap, for a runtime that reads a model in
   * place (ONNX Runtime does): at most the manifest's size for it, into a buffer of exactly that
   * size, ready to read from position 0. Its memory counts against the JVM's direct-memory limit
   * ({@code -XX:MaxDirectMemorySize}, by default the heap's size), not the heap.
   *
   * @throws BundleException as {@link #readFile}
   */
  public ByteBuffer readFileOffHeap(String filePath) {
    return read(filePath, ByteBuffer::allocateDirect);
  }

  /**
   * Reads a listed file into a buffer of exactly its listed size from {@code allocate}, refusing an
   * entry that holds more or fewer bytes than the manifest says; the buffer is ready to read.
   */
  private ByteBuffer read(String filePath, java.util.function.IntFunction<ByteBuffer> allocate) {
    FileEntry file = manifest.file(filePath);
    if (file.size() > MAX_READ_BYTES) {
      throw new BundleException(
          BundleProblem.INVALID_MANIFEST,
          filePath
              + " is "
              + file.size()
              + " bytes, more than one read holds ("
              + MAX_READ_BYTES
              + ")");
    }
    ByteBuffer buffer = allocate.apply((int) file.size());
    try (InputStream in = zip.getInputStream(zip.getEntry(filePath));
        ReadableByteChannel channel = Channels.newChannel(in)) {
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // read on until full or at the entry's end
      }
      if (buffer.hasRemaining() || in.read() >= 0) {
        throw new BundleException(
            BundleProblem.DIGEST_MISMATCH,
            filePath + " no longer holds the " + file.size() + " bytes the manifest says");
      }
    } catch (ZipException e) {
      throw new BundleException(
          BundleProblem.CORRUPT_ARCHIVE, "entry " + filePath + " is damaged: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BundleException(
          BundleProblem.CORRUPT_ARCHIVE,
          "cannot read entry " + filePath + ": " + e.getMessage(),
          e);
    }
    return buffer.flip();
  }

  /**
   * Reads the publisher's sample inputs and expected outputs, if the manifest names a sample file.
   * Its digest was checked when the bundle was opened; its size is bounded before it is read.
   *
   * @throws BundleException {@link BundleProblem#INVALID_SAMPLES} naming what is wrong
   */
  public Optional<Samples> samples() {
    String samplesPath = manifest.samples();
    if (samplesPath == null) {
      return Optional.empty();
    }
    String where = samplesPath + " of " + describe();
    if (manifest.file(samplesPath).size() > Samples.MAX_BYTES) {
      throw new BundleException(
          BundleProblem.INVALID_SAMPLES,
          where + " is larger than the " + Samples.MAX_BYTES + " bytes allowed");
    }
    byte[] bytes;
    try (InputStream in = openFile(samplesPath)) {
      bytes = in.readNBytes((int) Samples.MAX_BYTES + 1);
    } catch (IOException e) {
      throw new BundleException(
          BundleProblem.CORRUPT_ARCHIVE, "cannot read entry " + samplesPath + ": " + e, e);
    }
    return Optional.of(Samples.parse(bytes, where));
  }

  public InputStream openFile(String filePath) {
    manifest.file(filePath);
    try {
      return zip.getInputStream(zip.getEntry(filePath));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String describe() {
    return manifest.name() + " v" + manifest.version();
  }

  /**
   * Reads entry {@code name} of at most {@code cap} bytes, refusing it once it passes the cap
   * without reading further.
   */
  private static byte[] readCapped(ZipFile zip, String name, int cap) {
    ZipEntry entry = zip.getEntry(name);
    BundleProblem problem =
        Manifest.FILE_NAME.equals(name)
            ? BundleProblem.INVALID_MANIFEST
            : BundleProblem.BAD_SIGNATURE;
    if (entry.getSize() > cap) {
      throw tooLarge(name, cap, problem);
    }
    try (InputStream in = zip.getInputStream(entry)) {
      byte[] bytes = in.readNBytes(cap + 1);
      if (bytes.length > cap) {
        throw tooLarge(name, cap, problem);
      }
      return bytes;
    } catch (ZipException e) {
      throw new BundleException(
          BundleProblem.CORRUPT_ARCHIVE, "entry " + name + " is damaged: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BundleException(
          BundleProblem.CORRUPT_ARCHIVE, "cannot read entry " + name + ": " + e.getMessage(), e);
    }
  }

  private static BundleException tooLarge(String name, int cap, BundleProblem problem) {
    return new BundleException(
        problem,
        name
            + " is larger than the "
            + cap
            + " bytes ("
            + cap / 1024
            + " KiB) a bundle's "
            + name
            + " may hold");
  }

  private static void closeQuietly(ZipFile zip) {
    try {
      zip.close();
    } catch (IOException ignored) {
      // Already failing with a better message.
    }
  }

  @Override
  public void close() {
    closeQuietly(zip);
  }
}
