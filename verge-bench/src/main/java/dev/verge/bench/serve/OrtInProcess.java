package dev.verge.bench.serve;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * ONNX Runtime's Java API called directly, as a JVM application without Verge would: a tensor made
 * from the caller's floats, {@code OrtSession.run}, the output copied into a float array.
 */
final class OrtInProcess implements Contender {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final Map<String, OrtSession> sessions = new HashMap<>();

  OrtInProcess(List<BenchModel> models, int threads) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      for (BenchModel model : models) {
        sessions.put(model.name(), env.createSession(model.onnx(), options));
      }
    }
  }

  String version() {
    return env.getVersion();
  }

  @Override
  public String key() {
    return "ort";
  }

  @Override
  public String column() {
    return "ONNX Runtime in-process (Java)";
  }

  @Override
  public boolean encodes() {
    return false;
  }

  @Override
  public float[] answer(BenchModel model, int batch, Tensors tensors) throws OrtException {
    return call(sessions.get(model.name()), model.input(batch), model.shape(batch));
  }

  @Override
  public Measurement measure(Case c, Duration warmup, Duration duration)
      throws InterruptedException {
    OrtSession session = sessions.get(c.model().name());
    float[] input = c.model().input(c.batch());
    long[] shape = c.model().shape(c.batch());
    return InProcessLoad.run(c.connections(), warmup, duration, () -> call(session, input, shape));
  }

  private float[] call(OrtSession session, float[] input, long[] shape) throws OrtException {
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
        OrtSession.Result result = session.run(Map.of(BenchModel.INPUT, tensor))) {
      FloatBuffer output = ((OnnxTensor) result.get(0)).getFloatBuffer();
      float[] values = new float[output.remaining()];
      output.get(values);
      return values;
    }
  }

  @Override
  public OptionalLong pid() {
    return OptionalLong.empty();
  }

  @Override
  public void close() throws OrtException {
    for (OrtSession session : sessions.values()) {
      session.close();
    }
  }
}
