package dev.verge.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.verge.agent.serving.InferCall;
import dev.verge.agent.serving.InferResult;
import dev.verge.core.oip.BinaryTensors;
import dev.verge.core.oip.Classification;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.InferRequest;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.Tensor;
import dev.verge.grpc.proto.InferParameter;
import dev.verge.grpc.proto.ModelInferRequest;
import dev.verge.grpc.proto.ModelInferResponse;
import dev.verge.runtime.LoadedModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The gRPC door's codec: a {@code ModelInferRequest} into an {@link InferCall}, and the result back
 * into a {@code ModelInferResponse}. Inputs come either all in {@code raw_input_contents} (one
 * entry per input, in order, as Triton's clients send them) or all as typed {@code contents}; the
 * answer mirrors the request: raw outputs for raw inputs (what Triton's clients read), typed for
 * typed.
 */
final class GrpcInfer implements InferCall.Decoder {
  private final ModelInferRequest request;

  GrpcInfer(ModelInferRequest request) {
    this.request = request;
  }

  /** Whether the answer carries its outputs as raw contents. */
  boolean rawAnswer() {
    return request.getRawInputContentsCount() > 0;
  }

  @Override
  public InferCall decode(LoadedModel model) {
    int inputs = request.getInputsCount();
    if (inputs == 0) {
      throw new ProtocolException("request has no inputs");
    }
    int raw = request.getRawInputContentsCount();
    if (raw > 0 && raw != inputs) {
      throw new ProtocolException(
          "the request has "
              + raw
              + " raw_input_contents for "
              + inputs
              + " inputs: with raw contents, every input needs one, in the order of inputs");
    }
    List<Tensor> tensors = new ArrayList<>(inputs);
    for (int i = 0; i < inputs; i++) {
      ModelInferRequest.InferInputTensor input = request.getInputs(i);
      if (input.getName().isEmpty()) {
        throw new ProtocolException("input " + i + " has no name");
      }
      String what = "input '" + input.getName() + "'";
      DataType type =
          DataType.parse(input.getDatatype().isEmpty() ? null : input.getDatatype(), what);
      long[] shape = new long[input.getShapeCount()];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = input.getShape(d);
      }
      if (raw > 0) {
        if (input.hasContents() && input.getContents().getSerializedSize() > 0) {
          throw new ProtocolException(
              what + " has both contents and raw_input_contents: send one of them");
        }
        tensors.add(
            BinaryTensors.fromBytes(
                input.getName(),
                type,
                shape,
                request.getRawInputContents(i).asReadOnlyByteBuffer(),
                what));
      } else {
        tensors.add(TypedContents.decode(input.getName(), type, shape, input.getContents(), what));
      }
    }
    return new InferCall(
        request.getId().isEmpty() ? null : request.getId(),
        tensors,
        outputs(),
        Classification.requested(requestedOutputs()));
  }

  /** The requested outputs with their parameters as values, for Triton's classification. */
  private List<InferRequest.RequestedOutput> requestedOutputs() {
    List<InferRequest.RequestedOutput> outputs = new ArrayList<>();
    for (ModelInferRequest.InferRequestedOutputTensor output : request.getOutputsList()) {
      Map<String, Object> parameters = new HashMap<>();
      output.getParametersMap().forEach((key, value) -> parameters.put(key, value(value)));
      outputs.add(new InferRequest.RequestedOutput(output.getName(), parameters));
    }
    return outputs;
  }

  private static Object value(InferParameter parameter) {
    return switch (parameter.getParameterChoiceCase()) {
      case BOOL_PARAM -> parameter.getBoolParam();
      case INT64_PARAM -> parameter.getInt64Param();
      case STRING_PARAM -> parameter.getStringParam();
      case DOUBLE_PARAM -> parameter.getDoubleParam();
      case UINT64_PARAM -> parameter.getUint64Param();
      case PARAMETERCHOICE_NOT_SET -> null;
    };
  }

  private Set<String> outputs() {
    Set<String> wanted = new LinkedHashSet<>();
    for (ModelInferRequest.InferRequestedOutputTensor output : request.getOutputsList()) {
      if (output.getName().isEmpty()) {
        throw new ProtocolException("a requested output has no name");
      }
      wanted.add(output.getName());
    }
    return wanted;
  }

  /** The answer to {@code result}, the call {@link #decode decoded} here. */
  ModelInferResponse encode(InferResult result) {
    ModelInferResponse.Builder answer =
        ModelInferResponse.newBuilder()
            .setModelName(result.model())
            .setModelVersion(Long.toString(result.version()));
    if (result.id() != null) {
      answer.setId(result.id());
    }
    // One form for every output: raw as well when an output has no typed field (FP16, BF16).
    boolean raw =
        rawAnswer() || result.outputs().stream().anyMatch(t -> !TypedContents.typed(t.datatype()));
    for (Tensor output : result.outputs()) {
      ModelInferResponse.InferOutputTensor.Builder described =
          ModelInferResponse.InferOutputTensor.newBuilder()
              .setName(output.name())
              .setDatatype(output.datatype().name());
      for (long dim : output.shape()) {
        described.addShape(dim);
      }
      if (raw) {
        // The array is fresh and ours: wrap it rather than copy it again.
        ByteString bytes = UnsafeByteOperations.unsafeWrap(BinaryTensors.encode(output));
        answer.addRawOutputContents(bytes);
      } else {
        described.setContents(TypedContents.encode(output));
      }
      answer.addOutputs(described);
    }
    return answer.build();
  }
}
