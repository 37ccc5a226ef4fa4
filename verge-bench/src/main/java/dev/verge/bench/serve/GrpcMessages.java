package dev.verge.bench.serve;

import com.google.protobuf.ByteString;
import dev.verge.grpc.proto.ModelInferRequest;
import dev.verge.grpc.proto.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The gRPC contender's messages: a KServe v2 {@code ModelInferRequest} with the model's input in
 * {@code raw_input_contents} (little-endian floats, what Triton's clients send), and the output
 * read back from the answer's {@code raw_output_contents}, checked against what the model must
 * answer.
 */
final class GrpcMessages {
  private GrpcMessages() {}

  /**
   * {@code model}'s standard input at {@code batch}, built once per case and sent on every call.
   */
  static ModelInferRequest infer(BenchModel model, int batch) {
    float[] values = model.input(batch);
    ByteBuffer raw =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    ModelInferRequest.InferInputTensor.Builder input =
        ModelInferRequest.InferInputTensor.newBuilder()
            .setName(BenchModel.INPUT)
            .setDatatype("FP32");
    for (long dim : model.shape(batch)) {
      input.addShape(dim);
    }
    return ModelInferRequest.newBuilder()
        .setModelName(model.name())
        .addInputs(input)
        .addRawInputContents(ByteString.copyFrom(raw))
        .build();
  }

  /**
   * The floats of {@code model}'s output in {@code answer} to a call at {@code batch}.
   *
   * @throws IllegalStateException naming what in the answer is not what the model answers
   */
  static float[] output(ModelInferResponse answer, BenchModel model, int batch) {
    String what = "the agent's gRPC answer for " + model.name() + " at batch " + batch;
    if (answer.getOutputsCount() != 1) {
      throw new IllegalStateException(
          what + " has " + answer.getOutputsCount() + " outputs, the model 1");
    }
    ModelInferResponse.InferOutputTensor output = answer.getOutputs(0);
    if (!output.getName().equals(BenchModel.OUTPUT) || !output.getDatatype().equals("FP32")) {
      throw new IllegalStateException(
          what
              + " has output '"
              + output.getName()
              + "' of "
              + output.getDatatype()
              + ", the model '"
              + BenchModel.OUTPUT
              + "' of FP32");
    }
    long[] shape = output.getShapeList().stream().mapToLong(Long::longValue).toArray();
    long[] expected = {batch, model.outputs()};
    if (!Arrays.equals(shape, expected)) {
      throw new IllegalStateException(
          what
              + " has shape "
              + Arrays.toString(shape)
              + ", expected "
              + Arrays.toString(expected));
    }
    if (answer.getRawOutputContentsCount() != 1) {
      throw new IllegalStateException(
          what
              + " carries "
              + answer.getRawOutputContentsCount()
              + " raw_output_contents; raw inputs are answered with one per output");
    }
    ByteString raw = answer.getRawOutputContents(0);
    int floats = batch * model.outputs();
    if (raw.size() != floats * Float.BYTES) {
      throw new IllegalStateException(
          what + " carries " + raw.size() + " output bytes, expected " + floats * Float.BYTES);
    }
    float[] values = new float[floats];
    raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }
}
