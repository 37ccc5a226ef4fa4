package dev.verge.core.bundle;

import dev.verge.core.oip.TensorSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a bundle holds, signed as a whole by its publisher.
 *
 * <p>Format 1.x. Readers ignore fields they do not know, so a later minor version can add
 * encryption, per-target variants or drift baselines without breaking older agents; a new major
 * version is refused with a clear message.
 *
 * @param formatVersion {@code major.minor} of this layout, see {@link FormatVersion}
 * @param name model name: lower case letters, digits, {@code . _ -}; at most 64 characters
 * @param version monotonically increasing integer, 1 or more
 * @param entrypoint the path, among {@code files}, of the model file the runtime loads
 * @param runtime the engine that runs the entrypoint; {@code onnxruntime} for now
 * @param inputs the model's inputs as read from its graph
 * @param outputs the model's outputs as read from its graph
 * @param metadata free key/value text from the publisher
 * @param samples the path, among {@code files}, of the {@link Samples} file the agent runs and
 *     checks at install; absent when the publisher ships none (format 1.1)
 */
public record Manifest(
    String formatVersion,
    String name,
    long version,
    Instant createdAt,
    String entrypoint,
    String runtime,
    List<FileEntry> files,
    List<TensorSpec> inputs,
    List<TensorSpec> outputs,
    Map<String, String> metadata,
    String samples) {

  public static final String FILE_NAME = "manifest.json";
  public static final String SIGNATURE_FILE_NAME = "signature.json";
  public static final String RUNTIME_ONNX = "onnxruntime";
  private static final String NAME_PATTERN = "[a-z0-9][a-z0-9._-]{0,63}";

  public Manifest {
    files = files == null ? List.of() : List.copyOf(files);
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
    outputs = outputs == null ? List.of() : List.copyOf(outputs);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** A manifest without samples, as format 1.0 wrote them. */
  public Manifest(
      String formatVersion,
      String name,
      long version,
      Instant createdAt,
      String entrypoint,
      String runtime,
      List<FileEntry> files,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      Map<String, String> metadata) {
    this(
        formatVersion,
        name,
        version,
        createdAt,
        entrypoint,
        runtime,
        files,
        inputs,
        outputs,
        metadata,
        null);
  }

  public static boolean isValidName(String name) {
    return name != null && name.matches(NAME_PATTERN);
  }

  /**
   * Checks the fields a reader relies on; throws {@link BundleException} naming the first bad one.
   */
  public Manifest validate() {
    if (!isValidName(name)) {
      throw invalid(
          "model name '"
              + name
              + "' must be 1-64 lower-case letters, digits, '.', '_' or '-', starting with a"
              + " letter or digit");
    }
    if (version < 1) {
      throw invalid("model version must be 1 or more, got " + version);
    }
    if (files.isEmpty()) {
      throw invalid("manifest lists no files");
    }
    for (FileEntry file : files) {
      BundlePaths.requireSafe(file.path());
      if (!Digests.isSha256Hex(file.sha256())) {
        throw invalid("file " + file.path() + " has no valid sha256 (64 lower-case hex digits)");
      }
      if (file.size() < 0) {
        throw invalid("file " + file.path() + " has a negative size");
      }
    }
    if (entrypoint == null || files.stream().noneMatch(f -> f.path().equals(entrypoint))) {
      throw invalid("entrypoint '" + entrypoint + "' is not among the manifest's files");
    }
    if (samples != null) {
      if (samples.equals(entrypoint) || files.stream().noneMatch(f -> f.path().equals(samples))) {
        throw invalid(
            "samples '" + samples + "' is not among the manifest's files, or is the entrypoint");
      }
    }
    return this;
  }

  public FileEntry file(String path) {
    return files.stream()
        .filter(f -> f.path().equals(path))
        .findFirst()
        .orElseThrow(() -> invalid("no file '" + path + "' in the manifest"));
  }

  private static BundleException invalid(String message) {
    return new BundleException(BundleProblem.INVALID_MANIFEST, message);
  }
}
