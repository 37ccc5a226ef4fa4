package dev.verge.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Unpacks ONNX Runtime's native libraries once into a cache folder and points ONNX Runtime at it.
 *
 * <p>Left to itself, ONNX Runtime's Java binding copies ~28 MB of libraries into a new {@code
 * /tmp/onnxruntime-java*} folder in every process and leaves the folder behind (all of it when the
 * process is killed). On a device whose agent restarts for years that adds up, and it slows every
 * start. The cache is keyed by ONNX Runtime's version and platform, written file by file through
 * atomic renames so that agents starting together cannot see half a library.
 */
final class NativeLibraries {
  static final String PATH_PROPERTY = "onnxruntime.native.path";
  static final String CACHE_PROPERTY = "verge.native.cache";
  private static final System.Logger LOG = System.getLogger(NativeLibraries.class.getName());

  private NativeLibraries() {}

  /**
   * Sets {@value #PATH_PROPERTY} to the cached libraries unless it is set already. Where no cache
   * can be written, leaves ONNX Runtime to its own extraction and says so once.
   */
  static synchronized void prepare() {
    if (System.getProperty(PATH_PROPERTY) != null) {
      return;
    }
    Optional<String> platform = platform();
    String version = ai.onnxruntime.OrtEnvironment.class.getPackage().getImplementationVersion();
    if (platform.isEmpty() || version == null) {
      return;
    }
    String folder = "ai/onnxruntime/native/" + platform.get() + "/";
    ClassLoader loader = NativeLibraries.class.getClassLoader();
    // The GPU build has the same version as the CPU one but other libraries: its own folder, so
    // that devices switching jars never load one build's library next to the other's.
    boolean gpu = loader.getResource(folder + cudaProvider(platform.get())) != null;
    Path target =
        cacheRoot()
            .resolve("onnxruntime")
            .resolve(gpu ? version + "-gpu" : version)
            .resolve(platform.get());
    try {
      for (String name : libraryNames(platform.get())) {
        URL resource = loader.getResource(folder + name);
        if (resource != null) {
          unpack(resource, target.resolve(name));
        }
      }
      System.setProperty(PATH_PROPERTY, target.toString());
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot cache ONNX Runtime''s native libraries in {0} ({1}); it will unpack them to the"
              + " temporary folder on every start",
          target,
          e.getMessage());
    }
  }

  private static void unpack(URL resource, Path file) throws IOException {
    long size = resource.openConnection().getContentLengthLong();
    if (Files.isRegularFile(file) && Files.size(file) == size) {
      return;
    }
    Files.createDirectories(file.getParent());
    Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".part");
    try (InputStream in = resource.openStream()) {
      Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  static Path cacheRoot() {
    String configured = System.getProperty(CACHE_PROPERTY, System.getenv("VERGE_CACHE_DIR"));
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("verge");
  }

  /** ONNX Runtime's name for this platform's folder in its jar, as its own loader computes it. */
  static Optional<String> platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String osName =
        os.contains("linux")
            ? "linux"
            : os.contains("mac") || os.contains("darwin")
                ? "osx"
                : os.contains("win") ? "win" : null;
    String archName =
        switch (arch) {
          case "amd64", "x86_64" -> "x64";
          case "aarch64", "arm64" -> "aarch64";
          default -> null;
        };
    return osName == null || archName == null
        ? Optional.empty()
        : Optional.of(osName + "-" + archName);
  }

  /**
   * The libraries to unpack, those a build lacks skipped. ONNX Runtime loads its provider libraries
   * from the folder its main library came from, so the GPU build's must sit beside it.
   */
  static List<String> libraryNames(String platform) {
    if (platform.startsWith("win")) {
      return List.of(
          "onnxruntime.dll",
          "onnxruntime4j_jni.dll",
          "onnxruntime_providers_shared.dll",
          cudaProvider(platform));
    }
    String suffix = platform.startsWith("osx") ? ".dylib" : ".so";
    return List.of(
        "libonnxruntime" + suffix,
        "libonnxruntime4j_jni" + suffix,
        "libonnxruntime_providers_shared" + suffix,
        cudaProvider(platform));
  }

  private static String cudaProvider(String platform) {
    if (platform.startsWith("win")) {
      return "onnxruntime_providers_cuda.dll";
    }
    return "libonnxruntime_providers_cuda" + (platform.startsWith("osx") ? ".dylib" : ".so");
  }
}
