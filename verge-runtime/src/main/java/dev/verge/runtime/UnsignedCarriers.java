package dev.verge.runtime;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.TensorSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime's Java API can neither create nor read UINT16, UINT32 or UINT64 tensors, though
 * models may declare them. A model that does is loaded with each such input and output carried by a
 * signed type that holds every value (UINT16 in INT32, UINT32 in INT64, UINT64's 64 bits in INT64)
 * and a {@code Cast} next to it in the graph; the model's declared signature, which callers see,
 * stays as published. Names used inside subgraphs (If, Loop, Scan bodies) are not rewritten: such a
 * model's unsigned tensors must not be read inside its subgraphs.
 */
final class UnsignedCarriers {
  private static final String SUFFIX = "__verge_unsigned";

  private UnsignedCarriers() {}

  /** Whether any input or output needs a carrier. */
  static boolean needed(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    return inputs.stream().anyMatch(s -> carrier(s.datatype()) != null)
        || outputs.stream().anyMatch(s -> carrier(s.datatype()) != null);
  }

  /**
   * The type that carries {@code type} through ONNX Runtime's Java API, null when none is needed.
   */
  static DataType carrier(DataType type) {
    return switch (type) {
      case UINT16 -> DataType.INT32;
      case UINT32, UINT64 -> DataType.INT64;
      default -> null;
    };
  }

  /** {@code model} rewritten so that its unsigned inputs and outputs travel in their carriers. */
  static byte[] rewrite(byte[] model) {
    ModelProto parsed;
    try {
      parsed = ModelProto.parseFrom(model);
    } catch (InvalidProtocolBufferException e) {
      throw new EngineException("cannot read the model to carry its unsigned tensors", e);
    }
    GraphProto graph = parsed.getGraph();
    GraphProto.Builder rewritten = graph.toBuilder().clearNode();
    Map<String, String> renamed = new HashMap<>();
    for (int i = 0; i < graph.getInputCount(); i++) {
      ValueInfoProto input = graph.getInput(i);
      TensorProto.DataType type = elementType(input);
      TensorProto.DataType carrier = carrier(type);
      if (carrier == null) {
        continue;
      }
      String inner = input.getName() + SUFFIX;
      renamed.put(input.getName(), inner);
      rewritten.setInput(i, withType(input, carrier));
      rewritten.addNode(cast(input.getName(), inner, type));
    }
    Map<String, String> producedAs = new HashMap<>();
    for (ValueInfoProto output : graph.getOutputList()) {
      if (carrier(elementType(output)) != null) {
        producedAs.put(output.getName(), output.getName() + SUFFIX);
      }
    }
    for (NodeProto node : graph.getNodeList()) {
      NodeProto.Builder copy = node.toBuilder();
      for (int i = 0; i < copy.getInputCount(); i++) {
        String name = copy.getInput(i);
        if (renamed.containsKey(name)) {
          copy.setInput(i, renamed.get(name));
        } else if (producedAs.containsKey(name)) {
          copy.setInput(i, producedAs.get(name));
        }
      }
      for (int i = 0; i < copy.getOutputCount(); i++) {
        String name = copy.getOutput(i);
        if (producedAs.containsKey(name)) {
          copy.setOutput(i, producedAs.get(name));
        }
      }
      rewritten.addNode(copy);
    }
    for (int i = 0; i < graph.getOutputCount(); i++) {
      ValueInfoProto output = graph.getOutput(i);
      TensorProto.DataType carrier = carrier(elementType(output));
      if (carrier == null) {
        continue;
      }
      rewritten.setOutput(i, withType(output, carrier));
      if (!renamed.containsKey(output.getName())) {
        // An output that is also an input passes through in its carrier already.
        rewritten.addNode(cast(producedAs.get(output.getName()), output.getName(), carrier));
      }
    }
    return parsed.toBuilder().setGraph(rewritten).build().toByteArray();
  }

  private static TensorProto.DataType elementType(ValueInfoProto value) {
    return TensorProto.DataType.forNumber(value.getType().getTensorType().getElemType());
  }

  private static TensorProto.DataType carrier(TensorProto.DataType type) {
    if (type == null) {
      return null;
    }
    return switch (type) {
      case UINT16 -> TensorProto.DataType.INT32;
      case UINT32, UINT64 -> TensorProto.DataType.INT64;
      default -> null;
    };
  }

  private static ValueInfoProto withType(ValueInfoProto value, TensorProto.DataType type) {
    ValueInfoProto.Builder copy = value.toBuilder();
    copy.getTypeBuilder().getTensorTypeBuilder().setElemType(type.getNumber());
    return copy.build();
  }

  private static NodeProto cast(String from, String to, TensorProto.DataType type) {
    return NodeProto.newBuilder()
        .setOpType("Cast")
        .setName(to + "_cast")
        .addInput(from)
        .addOutput(to)
        .addAttribute(
            AttributeProto.newBuilder()
                .setName("to")
                .setType(AttributeProto.AttributeType.INT)
                .setI(type.getNumber()))
        .build();
  }
}
