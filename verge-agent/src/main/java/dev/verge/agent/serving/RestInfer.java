package dev.verge.agent.serving;

import dev.verge.core.json.Json;
import dev.verge.core.oip.BinaryTensors;
import dev.verge.core.oip.Classification;
import dev.verge.core.oip.InferOutput;
import dev.verge.core.oip.InferRequest;
import dev.verge.core.oip.InferResponse;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorBudget;
import dev.verge.core.oip.TensorCodec;
import dev.verge.core.oip.TensorSpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The REST door's codec: an Open Inference Protocol infer body (JSON, or JSON followed by binary
 * tensor sections) into an {@link InferCall}, and the result back into a JSON or binary answer. One
 * instance per request: decoding remembers which outputs the caller wants as binary.
 */
final class RestInfer implements InferCall.Decoder {
  private final byte[] body;
  private final String headerLength;
  private InferRequest request;
  private Set<String> binaryOutputs = Set.of();
  private TensorBudget budget = TensorBudget.unlimited();

  /**
   * @param headerLength the request's {@value BinaryTensors#HEADER} header, null when absent
   */
  RestInfer(byte[] body, String headerLength) {
    this.body = body;
    this.headerLength = headerLength;
  }

  /** The answer's bytes, and the length of its JSON part when binary sections follow (else -1). */
  record Encoded(byte[] bytes, int jsonLength) {}

  @Override
  public InferCall decode(dev.verge.runtime.LoadedModel model) {
    return decode(model, TensorBudget.unlimited());
  }

  /** Checks each input's shape against {@code budget} before its elements are allocated. */
  @Override
  public InferCall decode(dev.verge.runtime.LoadedModel model, TensorBudget budget) {
    this.budget = budget;
    byte[] json = body;
    ByteBuffer binary = null;
    if (headerLength != null) {
      int length = BinaryTensors.headerLength(headerLength, body.length);
      json = Arrays.copyOf(body, length);
      binary = ByteBuffer.wrap(body, length, body.length - length);
    }
    request = Json.read(json, InferRequest.class);
    if (request.inputs() == null || request.inputs().isEmpty()) {
      throw new ProtocolException("request has no inputs");
    }
    List<Tensor> inputs = BinaryTensors.decode(request.inputs(), binary, budget);
    Set<String> outputs = requestedOutputs(request);
    binaryOutputs =
        BinaryTensors.binaryOutputs(
            request, outputs.isEmpty() ? names(model.outputs()) : List.copyOf(outputs));
    return new InferCall(
        request.id(), inputs, outputs, Classification.requested(request.outputs()));
  }

  /** The REST answer for {@code result}, the call {@link #decode decoded} here. */
  Encoded encode(InferResult result) {
    reserveAnswer(result);
    List<InferOutput> wire = new ArrayList<>(result.outputs().size());
    ByteArrayOutputStream bytes = binaryOutputs.isEmpty() ? null : new ByteArrayOutputStream();
    for (Tensor output : result.outputs()) {
      if (bytes != null && binaryOutputs.contains(output.name())) {
        byte[] section = BinaryTensors.encode(output);
        InferOutput described = TensorCodec.describe(output);
        wire.add(
            new InferOutput(
                described.name(),
                described.shape(),
                described.datatype(),
                Map.of(BinaryTensors.SIZE, section.length),
                null));
        bytes.writeBytes(section);
      } else {
        wire.add(TensorCodec.encode(output));
      }
    }
    byte[] json =
        Json.write(
            new InferResponse(
                result.model(), Long.toString(result.version()), result.id(), null, wire));
    if (bytes == null) {
      return new Encoded(json, -1);
    }
    byte[] answer = Arrays.copyOf(json, json.length + bytes.size());
    byte[] sections = bytes.toByteArray();
    System.arraycopy(sections, 0, answer, json.length, sections.length);
    return new Encoded(answer, json.length);
  }

  /** The answer's bytes, counted before it is written: its text or sections, and one copy. */
  private void reserveAnswer(InferResult result) {
    long bytes = 0;
    for (Tensor output : result.outputs()) {
      long each =
          binaryOutputs.contains(output.name())
              ? TensorBudget.bytesOf(output.datatype(), output.shape())
              : TensorBudget.jsonTextBytes(output.datatype(), output.size());
      if (output.data() instanceof String[] strings) {
        for (String text : strings) {
          each += 4L + 6L * text.length(); // a length prefix, or JSON escapes at worst
        }
      }
      bytes = bytes > Long.MAX_VALUE - each ? Long.MAX_VALUE : bytes + each;
    }
    budget.reserve(
        "the answer of model " + result.model() + " v" + result.version(),
        bytes > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * bytes);
  }

  /** The output names the request asks for; the engine refuses any the model lacks. */
  private static Set<String> requestedOutputs(InferRequest request) {
    if (request.outputs() == null) {
      return Set.of();
    }
    Set<String> wanted = new LinkedHashSet<>();
    for (InferRequest.RequestedOutput output : request.outputs()) {
      if (output == null || output.name() == null || output.name().isBlank()) {
        throw new ProtocolException("a requested output has no name");
      }
      wanted.add(output.name());
    }
    return wanted;
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }
}
