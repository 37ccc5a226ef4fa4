package dev.verge.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.verge.agent.serving.InferenceServer;
import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.grpc.GrpcDoor;
import dev.verge.grpc.proto.GRPCInferenceServiceGrpc;
import dev.verge.grpc.proto.ModelInferRequest;
import dev.verge.grpc.proto.ModelInferResponse;
import dev.verge.grpc.proto.ServerReadyRequest;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.OnnxEngine;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpcContenderTest {
  private static final BenchModel TABULAR = BenchModels.tabular();

  @Test
  void the_request_carries_the_standard_input_as_little_endian_raw_contents() {
    ModelInferRequest request = GrpcMessages.infer(TABULAR, 3);

    assertThat(request.getModelName()).isEqualTo(TABULAR.name());
    assertThat(request.getInputsCount()).isEqualTo(1);
    assertThat(request.getInputs(0).getName()).isEqualTo(BenchModel.INPUT);
    assertThat(request.getInputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(request.getInputs(0).getShapeList()).containsExactly(3L, 2L);
    assertThat(request.getInputs(0).hasContents()).isFalse();
    assertThat(request.getRawInputContentsCount()).isEqualTo(1);
    assertThat(floats(request.getRawInputContents(0))).containsExactly(TABULAR.input(3));
  }

  @Test
  void reads_the_output_from_the_answer_s_raw_contents() {
    ModelInferResponse answer = answer("output", "FP32", raw(0.25f, 0.75f, 1f, 0f), 2, 2).build();

    assertThat(GrpcMessages.output(answer, TABULAR, 2)).containsExactly(0.25f, 0.75f, 1f, 0f);
  }

  @Test
  void an_answer_unlike_the_model_s_is_refused_naming_what_differs() {
    assertThatThrownBy(
            () ->
                GrpcMessages.output(
                    answer("output", "FP32", raw(1f, 0f), 2, 1).build(), TABULAR, 2))
        .hasMessage(
            "the agent's gRPC answer for tabular at batch 2 has shape [2, 1], expected [2, 2]");
    assertThatThrownBy(
            () ->
                GrpcMessages.output(
                    answer("output", "FP64", raw(1f, 0f), 1, 2).build(), TABULAR, 1))
        .hasMessageContaining("has output 'output' of FP64, the model 'output' of FP32");
    assertThatThrownBy(
            () -> GrpcMessages.output(answer("output", "FP32", raw(1f), 1, 2).build(), TABULAR, 1))
        .hasMessageContaining("carries 4 output bytes, expected 8");
    assertThatThrownBy(
            () ->
                GrpcMessages.output(
                    answer("output", "FP32", raw(1f, 0f), 1, 2).clearRawOutputContents().build(),
                    TABULAR,
                    1))
        .hasMessageContaining("carries 0 raw_output_contents");
    assertThatThrownBy(
            () -> GrpcMessages.output(ModelInferResponse.getDefaultInstance(), TABULAR, 1))
        .hasMessageContaining("has 0 outputs, the model 1");
  }

  @Test
  void the_grpc_door_answers_what_onnx_runtime_and_the_in_process_api_answer_also_under_load(
      @TempDir Path dir) throws Exception {
    List<BenchModel> models = List.of(TABULAR);
    ModelRegistry registry = new ModelRegistry();
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try (OnnxEngine engine = new OnnxEngine(new EngineOptions(1, 1));
        OrtInProcess ort = new OrtInProcess(models, 1);
        AgentInProcess local =
            new AgentInProcess(
                engine, models, java.nio.file.Files.createDirectories(dir.resolve("local")));
        SqliteAgentStore store = SqliteAgentStore.open(dir.resolve("agent.db"));
        InferenceServer server =
            InferenceServer.start(loopback, registry, store, Optional::empty, Map::of);
        GrpcDoor door = GrpcDoor.start(loopback, server.local(), GrpcDoor.Options.defaults())) {
      registry.activate(engine.load(new ModelSource(TABULAR.name(), 1, TABULAR.onnx())));
      List<ManagedChannel> channels = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        channels.add(
            NettyChannelBuilder.forAddress("127.0.0.1", door.port())
                .directExecutor()
                .usePlaintext()
                .build());
      }
      ManagedChannel channel = channels.getFirst();
      try {
        for (int batch : new int[] {1, 64}) {
          ModelInferResponse answer =
              GRPCInferenceServiceGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(20, TimeUnit.SECONDS)
                  .modelInfer(GrpcMessages.infer(TABULAR, batch));
          float[] expected = ort.answer(TABULAR, batch, Tensors.JSON);

          assertThat(GrpcMessages.output(answer, TABULAR, batch)).containsExactly(expected);
          assertThat(local.answer(TABULAR, batch, Tensors.JSON)).containsExactly(expected);
        }
        // The closed loop over both connections: every call answered, none failed.
        Measurement load =
            GrpcLoad.run(
                channels,
                GRPCInferenceServiceGrpc.getModelInferMethod(),
                GrpcMessages.infer(TABULAR, 1),
                Duration.ofSeconds(20),
                Duration.ZERO,
                Duration.ofMillis(300));
        assertThat(load.requests()).isPositive();
        assertThat(load.errors()).isZero();
        assertThat(load.p99Micros()).isGreaterThanOrEqualTo(load.p50Micros()).isPositive();
      } finally {
        for (ManagedChannel open : channels) {
          open.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    } finally {
      registry.close();
    }
  }

  @Test
  void the_load_fails_when_every_call_fails_without_recursing_on_calls_that_fail_at_once()
      throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", closed).directExecutor().usePlaintext().build();
    try {
      assertThatThrownBy(
              () ->
                  GrpcLoad.run(
                      List.of(channel),
                      GRPCInferenceServiceGrpc.getServerReadyMethod(),
                      ServerReadyRequest.getDefaultInstance(),
                      Duration.ofSeconds(5),
                      Duration.ZERO,
                      Duration.ofMillis(200)))
          .hasMessage("every gRPC call failed")
          .cause()
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageStartingWith("UNAVAILABLE");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static ModelInferResponse.Builder answer(
      String name, String type, ByteString raw, long... shape) {
    ModelInferResponse.InferOutputTensor.Builder output =
        ModelInferResponse.InferOutputTensor.newBuilder().setName(name).setDatatype(type);
    for (long dim : shape) {
      output.addShape(dim);
    }
    return ModelInferResponse.newBuilder().addOutputs(output).addRawOutputContents(raw);
  }

  private static ByteString raw(float... values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return ByteString.copyFrom(bytes);
  }

  private static float[] floats(ByteString raw) {
    float[] values = new float[raw.size() / 4];
    raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }
}
