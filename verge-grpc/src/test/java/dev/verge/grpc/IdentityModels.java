package dev.verge.grpc;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.Map;

/**
 * ONNX graphs of one Identity per protocol datatype: input {@code x_<TYPE>} [-1] to output {@code
 * y_<TYPE>}, for the datatypes a test names.
 */
final class IdentityModels {
  private static final Map<String, TensorProto.DataType> ONNX =
      Map.ofEntries(
          Map.entry("FP32", TensorProto.DataType.FLOAT),
          Map.entry("FP64", TensorProto.DataType.DOUBLE),
          Map.entry("FP16", TensorProto.DataType.FLOAT16),
          Map.entry("BF16", TensorProto.DataType.BFLOAT16),
          Map.entry("INT8", TensorProto.DataType.INT8),
          Map.entry("INT16", TensorProto.DataType.INT16),
          Map.entry("INT32", TensorProto.DataType.INT32),
          Map.entry("INT64", TensorProto.DataType.INT64),
          Map.entry("UINT8", TensorProto.DataType.UINT8),
          Map.entry("UINT16", TensorProto.DataType.UINT16),
          Map.entry("UINT32", TensorProto.DataType.UINT32),
          Map.entry("UINT64", TensorProto.DataType.UINT64),
          Map.entry("BOOL", TensorProto.DataType.BOOL),
          Map.entry("BYTES", TensorProto.DataType.STRING));

  private IdentityModels() {}

  static byte[] of(Map<String, ?> types) {
    GraphProto.Builder graph = GraphProto.newBuilder().setName("identities");
    for (String type : types.keySet()) {
      graph.addNode(
          NodeProto.newBuilder()
              .setOpType("Identity")
              .setName("id_" + type)
              .addInput("x_" + type)
              .addOutput("y_" + type));
      graph.addInput(value("x_" + type, ONNX.get(type)));
      graph.addOutput(value("y_" + type, ONNX.get(type)));
    }
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName("verge-grpc-tests")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  private static ValueInfoProto value(String name, TensorProto.DataType type) {
    TensorShapeProto shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("n"))
            .build();
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
        .build();
  }
}
