package dev.verge.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Chooses the execution provider from what is configured and what the device has: whether this ONNX
 * Runtime build carries CUDA (only the {@code onnxruntime_gpu} jar does), whether an NVIDIA GPU is
 * visible, and whether the CUDA provider's libraries load. The choice is pure ({@link #choose}) so
 * that it is tested on every machine; {@link #probe} gathers the facts.
 */
final class ExecutionProviders {
  /** The GPU the CUDA provider runs on. */
  static final int CUDA_DEVICE = 0;

  static final String GPU_JAR_ADVICE =
      "put the GPU build of ONNX Runtime (com.microsoft.onnxruntime:onnxruntime_gpu, same version)"
          + " in lib/ in place of the onnxruntime jar, see README \"GPU\"";

  private static final Path NVIDIA_GPUS = Path.of("/proc/driver/nvidia/gpus");

  private ExecutionProviders() {}

  /**
   * What the device offers for CUDA.
   *
   * @param cudaInBuild this ONNX Runtime build has the CUDA provider
   * @param gpus NVIDIA GPUs visible to this process, -1 when the platform cannot tell
   * @param gpuEvidence where {@code gpus} comes from, for the reason
   * @param cudaLoadFailure why the CUDA provider did not load, null when it loaded or was not tried
   */
  record Capabilities(boolean cudaInBuild, int gpus, String gpuEvidence, String cudaLoadFailure) {}

  /**
   * The provider to use.
   *
   * @throws EngineException when CUDA is demanded and the device cannot give it, naming why
   */
  static ProviderChoice choose(ExecutionProvider requested, Capabilities device) {
    if (requested == ExecutionProvider.CPU) {
      return new ProviderChoice(ExecutionProvider.CPU, "execution-provider is cpu");
    }
    String missing = cudaMissing(device);
    if (missing == null) {
      String gpus =
          device.gpus() < 0 ? "a GPU" : device.gpus() + " GPU(s) (" + device.gpuEvidence() + ")";
      return new ProviderChoice(
          ExecutionProvider.CUDA,
          "execution-provider is "
              + requested.name().toLowerCase(java.util.Locale.ROOT)
              + ", ONNX Runtime has CUDA and "
              + gpus
              + " visible; running on GPU "
              + CUDA_DEVICE);
    }
    if (requested == ExecutionProvider.CUDA) {
      throw new EngineException(
          "execution-provider is cuda, but "
              + missing
              + (device.cudaInBuild() ? "" : "; to use a GPU, " + GPU_JAR_ADVICE));
    }
    return new ProviderChoice(ExecutionProvider.CPU, "execution-provider is auto, and " + missing);
  }

  /** Why CUDA cannot be had, or null when it can. */
  private static String cudaMissing(Capabilities device) {
    if (!device.cudaInBuild()) {
      return "this ONNX Runtime build has no CUDA provider (it is the CPU build)";
    }
    if (device.gpus() == 0) {
      return "no NVIDIA GPU is visible (" + device.gpuEvidence() + ")";
    }
    if (device.cudaLoadFailure() != null) {
      return "ONNX Runtime's CUDA provider did not load ("
          + device.cudaLoadFailure()
          + "); it needs the NVIDIA driver, CUDA 12 and cuDNN 9 libraries on the library path";
    }
    return null;
  }

  /** The facts about this device; loads the CUDA provider only when it may be chosen. */
  static Capabilities probe(ExecutionProvider requested, Map<String, String> environment) {
    boolean inBuild = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    if (requested == ExecutionProvider.CPU || !inBuild) {
      return new Capabilities(inBuild, -1, "not looked for", null);
    }
    String hidden = environment.get("CUDA_VISIBLE_DEVICES");
    int gpus;
    String evidence;
    if (hidden != null && (hidden.isBlank() || hidden.strip().startsWith("-1"))) {
      gpus = 0;
      evidence = "CUDA_VISIBLE_DEVICES='" + hidden + "' hides every GPU";
    } else if (Files.isDirectory(NVIDIA_GPUS)) {
      gpus = count(NVIDIA_GPUS);
      evidence = gpus + " under " + NVIDIA_GPUS;
    } else if (Files.isDirectory(Path.of("/proc"))) {
      gpus = 0;
      evidence = "no NVIDIA driver: " + NVIDIA_GPUS + " does not exist";
    } else {
      gpus = -1;
      evidence = "this platform does not list its GPUs";
    }
    String failure = gpus == 0 ? null : loadFailure();
    return new Capabilities(true, gpus, evidence, failure);
  }

  /** Appends the CUDA provider to throw-away options, which loads its libraries. */
  private static String loadFailure() {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.addCUDA(CUDA_DEVICE);
      return null;
    } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
      return e.getMessage();
    }
  }

  private static int count(Path folder) {
    try (Stream<Path> entries = Files.list(folder)) {
      return (int) entries.count();
    } catch (IOException e) {
      return 0;
    }
  }
}
