package dev.verge.agent.serving;

import dev.verge.core.oip.BinaryTensors;
import dev.verge.core.oip.Classification;
import dev.verge.core.oip.DecodedRequest;
import dev.verge.core.oip.InferRequest;
import dev.verge.core.oip.InferRequestReader;
import dev.verge.core.oip.InferResponseWriter;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.TensorBudget;
import dev.verge.core.oip.TensorSpec;
import java.nio.ByteBuffer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The REST door's codec: an Open Inference Protocol infer body (JSON, or JSON followed by binary
 * tensor sections) into an {@link InferCall}, and the result back into a JSON or binary answer.
 * Both ways stream ({@link InferRequestReader}, {@link InferResponseWriter}): tensors go between
 * the body's bytes and primitive arrays without a JSON tree. One instance per request: decoding
 * remembers which outputs the caller wants as binary.
 */
final class RestInfer implements InferCall.Decoder {
  private final byte[] body;
  private final String headerLength;
  private TensorBudget budget;
  private Set<String> binaryOutputs = Set.of();

  /**
   * @param headerLength the request's {@value BinaryTensors#HEADER} header, null when absent
   */
  RestInfer(byte[] body, String headerLength) {
    this(body, headerLength, TensorBudget.unlimited());
  }

  /**
   * @param budget charged before each input's elements are allocated from its declared shape, and
   *     before each JSON output's text is written
   */
  RestInfer(byte[] body, String headerLength, TensorBudget budget) {
    this.body = body;
    this.headerLength = headerLength;
    this.budget = budget;
  }

  /** The answer's bytes, and the length of its JSON part when binary sections follow (else -1). */
  record Encoded(byte[] bytes, int jsonLength) {}

  /** Decodes within {@code budget}, which the answer is then charged to as well. */
  @Override
  public InferCall decode(dev.verge.runtime.LoadedModel model, TensorBudget budget) {
    this.budget = budget;
    return decode(model);
  }

  @Override
  public InferCall decode(dev.verge.runtime.LoadedModel model) {
    int jsonLength = body.length;
    ByteBuffer binary = null;
    if (headerLength != null) {
      jsonLength = BinaryTensors.headerLength(headerLength, body.length);
      binary = ByteBuffer.wrap(body, jsonLength, body.length - jsonLength);
    }
    DecodedRequest request = InferRequestReader.read(body, 0, jsonLength, binary, budget);
    if (request.inputs() == null || request.inputs().isEmpty()) {
      throw new ProtocolException("request has no inputs");
    }
    Set<String> outputs = requestedOutputs(request);
    binaryOutputs =
        BinaryTensors.binaryOutputs(
            request.parameters(),
            request.outputs(),
            outputs.isEmpty() ? names(model.outputs()) : List.copyOf(outputs));
    return new InferCall(
        request.id(), request.inputs(), outputs, Classification.requested(request.outputs()));
  }

  /** The REST answer for {@code result}, the call {@link #decode decoded} here. */
  Encoded encode(InferResult result) {
    InferResponseWriter.Encoded encoded =
        InferResponseWriter.write(
            result.model(),
            Long.toString(result.version()),
            result.id(),
            result.outputs(),
            binaryOutputs,
            budget);
    return new Encoded(encoded.bytes(), encoded.jsonLength());
  }

  /** The output names the request asks for; the engine refuses any the model lacks. */
  private static Set<String> requestedOutputs(DecodedRequest request) {
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
