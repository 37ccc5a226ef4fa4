package dev.verge.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link InferenceEngine} on ONNX Runtime's Java API: one {@link OrtSession} per loaded model
 * version, created once and reused by every request (sessions are thread-safe for {@code run}).
 */
public final class OnnxEngine implements InferenceEngine {
  private static final System.Logger LOG = System.getLogger(OnnxEngine.class.getName());
  private final OrtEnvironment environment;
  private final EngineOptions options;
  private final ProviderChoice provider;

  /**
   * Starts ONNX Runtime and chooses the execution provider.
   *
   * @throws EngineException when {@link ExecutionProvider#CUDA} is demanded and this device cannot
   *     give it, saying why
   */
  public OnnxEngine(EngineOptions options) {
    this.options = options;
    NativeLibraries.prepare();
    this.environment = OrtEnvironment.getEnvironment();
    this.provider =
        ExecutionProviders.choose(
            options.executionProvider(),
            ExecutionProviders.probe(options.executionProvider(), System.getenv()));
  }

  /** The execution provider models run on, and why it was chosen. */
  public ProviderChoice executionProvider() {
    return provider;
  }

  /** {@code cuda} when models run on the CUDA provider (chosen at start), else none. */
  @Override
  public List<String> accelerators() {
    return provider.provider() == ExecutionProvider.CUDA ? List.of("cuda") : List.of();
  }

  @Override
  public LoadedModel load(ModelSource source) {
    String what = source.name() + " v" + source.version();
    // Off the heap, ONNX Runtime reads the direct buffer in place: no copy on the heap.
    OrtSession session =
        source.offHeap() != null
            ? openSession(options -> environment.createSession(source.offHeap(), options), what)
            : openSession(source.model(), what);
    try {
      List<TensorSpec> inputs = specs(session.getInputInfo());
      List<TensorSpec> outputs = specs(session.getOutputInfo());
      if (UnsignedCarriers.needed(inputs, outputs)) {
        OrtSession declared = session;
        session = openSession(UnsignedCarriers.rewrite(source.model()), what);
        closeQuietly(declared);
      }
      return new OnnxModel(
          source.name(),
          source.version(),
          environment,
          session,
          inputs,
          outputs,
          new ArenaRelease(options.memoryArena()));
    } catch (RuntimeException | OrtException e) {
      closeQuietly(session);
      throw e instanceof EngineException ee
          ? ee
          : new EngineException(
              "cannot read the signature of " + source.name() + ": " + e.getMessage(), e);
    }
  }

  /** The input and output signature of an ONNX model, as a bundle manifest records it. */
  public record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {}

  /** Reads a model's signature by loading it once, so what is recorded is what the runtime sees. */
  public Signature inspect(byte[] model) {
    try (OrtSession session = openSession(model, "model")) {
      return new Signature(specs(session.getInputInfo()), specs(session.getOutputInfo()));
    } catch (OrtException e) {
      throw new EngineException("cannot read the model's signature: " + e.getMessage(), e);
    }
  }

  private OrtSession openSession(byte[] model, String what) {
    return openSession(options -> environment.createSession(model, options), what);
  }

  /** Creates a session from a model's bytes or buffer with the options it is given. */
  @FunctionalInterface
  private interface SessionFactory {
    OrtSession create(OrtSession.SessionOptions options) throws OrtException;
  }

  private OrtSession openSession(SessionFactory model, String what) {
    if (provider.provider() == ExecutionProvider.CUDA) {
      try {
        return openSession(model, what, true);
      } catch (EngineException e) {
        if (options.executionProvider() == ExecutionProvider.CUDA) {
          throw e;
        }
        // auto: a model CUDA cannot take (or a GPU that fails now) still serves, on the CPU.
        LOG.log(
            System.Logger.Level.WARNING,
            "{0} runs on the CPU: CUDA could not load it ({1})",
            what,
            e.getMessage());
      }
    }
    return openSession(model, what, false);
  }

  private OrtSession openSession(SessionFactory model, String what, boolean cuda) {
    try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
      sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      // A failed run comes back as an OrtException, which the agent reports (and throttles in
      // its log); ONNX Runtime's own stderr line for each failed run would only repeat it.
      sessionOptions.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
      if (options.intraOpThreads() > 0) {
        sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
      }
      if (options.interOpThreads() > 0) {
        sessionOptions.setInterOpNumThreads(options.interOpThreads());
      }
      if (!options.spinning()) {
        sessionOptions.addConfigEntry("session.intra_op.allow_spinning", "0");
        sessionOptions.addConfigEntry("session.inter_op.allow_spinning", "0");
      }
      sessionOptions.setCPUArenaAllocator(options.memoryArena());
      // Memory patterns stay off: ONNX Runtime keeps one per distinct input shape, without bound,
      // so a client varying its batch size would grow the agent; the arena alone gives their gain.
      sessionOptions.setMemoryPatternOptimization(false);
      if (cuda) {
        sessionOptions.addCUDA(ExecutionProviders.CUDA_DEVICE);
      }
      return model.create(sessionOptions);
    } catch (OrtException e) {
      throw new EngineException(
          "ONNX Runtime cannot load " + what + (cuda ? " on CUDA" : "") + ": " + e.getMessage(), e);
    }
  }

  static List<TensorSpec> specs(Map<String, NodeInfo> infos) {
    List<TensorSpec> specs = new ArrayList<>(infos.size());
    for (NodeInfo node : infos.values()) {
      ValueInfo info = node.getInfo();
      if (!(info instanceof TensorInfo tensor)) {
        throw new EngineException(
            node.getName()
                + " is a "
                + info.getClass().getSimpleName()
                + ", not a tensor; Verge serves tensor inputs and outputs only");
      }
      List<Long> shape = new ArrayList<>();
      for (long dim : tensor.getShape()) {
        shape.add(dim < 0 ? -1L : dim);
      }
      specs.add(new TensorSpec(node.getName(), dataType(tensor.onnxType), shape));
    }
    return List.copyOf(specs);
  }

  static DataType dataType(TensorInfo.OnnxTensorType type) {
    return switch (type) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DataType.FP32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DataType.FP64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DataType.INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DataType.UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DataType.INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DataType.UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DataType.INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DataType.UINT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DataType.INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DataType.UINT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DataType.BOOL;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DataType.BYTES;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DataType.FP16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> DataType.BF16;
      default -> throw new EngineException("element type " + type + " is not supported");
    };
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException ignored) {
      // Failing already with a better message.
    }
  }

  /** The environment is process-wide in ONNX Runtime and lives until the JVM exits. */
  @Override
  public void close() {}
}
