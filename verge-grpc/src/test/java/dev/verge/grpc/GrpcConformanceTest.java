package dev.verge.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.verge.core.api.PredictionRecord;
import dev.verge.grpc.proto.DataType;
import dev.verge.grpc.proto.GRPCInferenceServiceGrpc;
import dev.verge.grpc.proto.InferStatistics;
import dev.verge.grpc.proto.InferTensorContents;
import dev.verge.grpc.proto.ModelConfig;
import dev.verge.grpc.proto.ModelConfigRequest;
import dev.verge.grpc.proto.ModelInferRequest;
import dev.verge.grpc.proto.ModelInferResponse;
import dev.verge.grpc.proto.ModelMetadataRequest;
import dev.verge.grpc.proto.ModelMetadataResponse;
import dev.verge.grpc.proto.ModelReadyRequest;
import dev.verge.grpc.proto.ModelRepositoryParameter;
import dev.verge.grpc.proto.ModelStatistics;
import dev.verge.grpc.proto.ModelStatisticsRequest;
import dev.verge.grpc.proto.ModelStreamInferResponse;
import dev.verge.grpc.proto.RepositoryIndexRequest;
import dev.verge.grpc.proto.RepositoryIndexResponse;
import dev.verge.grpc.proto.RepositoryModelLoadRequest;
import dev.verge.grpc.proto.RepositoryModelUnloadRequest;
import dev.verge.grpc.proto.ServerLiveRequest;
import dev.verge.grpc.proto.ServerMetadataRequest;
import dev.verge.grpc.proto.ServerMetadataResponse;
import dev.verge.grpc.proto.ServerReadyRequest;
import dev.verge.runtime.TestModels;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every call of {@code inference.GRPCInferenceService} and its errors, with a real client. */
class GrpcConformanceTest {
  @TempDir Path dir;

  private Served served;
  private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

  @BeforeEach
  void start() {
    served = new Served(dir);
    served.serve("pump", 3, TestModels.logistic());
    stub = served.stub();
  }

  @AfterEach
  void stop() throws InterruptedException {
    served.close();
  }

  @Test
  void server_is_live() {
    assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
  }

  @Test
  void server_readiness_follows_the_agent() {
    assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();

    served.notReady.set(Optional.of("model pump is not installed yet"));

    assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isFalse();
  }

  @Test
  void server_metadata_names_the_agent_and_its_extensions() {
    ServerMetadataResponse metadata =
        stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());

    assertThat(metadata.getName()).isEqualTo("verge-agent");
    assertThat(metadata.getVersion()).isNotEmpty();
    assertThat(metadata.getExtensionsList()).contains("statistics");
  }

  @Test
  void model_ready_is_true_for_the_active_version_and_false_otherwise() {
    assertThat(ready("pump", "")).isTrue();
    assertThat(ready("pump", "3")).isTrue();
    assertThat(ready("pump", "2")).isFalse();
    assertThat(ready("nope", "")).isFalse();
  }

  @Test
  void model_ready_refuses_a_version_that_is_not_a_number_and_a_missing_name() {
    assertStatus(() -> ready("pump", "latest"), Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("model 'pump' has no version 'latest': versions are whole numbers");
    assertStatus(() -> ready("", ""), Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("ModelReady names no model");
  }

  @Test
  void model_metadata_gives_the_signature_with_dynamic_dimensions() {
    ModelMetadataResponse metadata =
        stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("pump").build());

    assertThat(metadata.getName()).isEqualTo("pump");
    assertThat(metadata.getVersionsList()).containsExactly("3");
    assertThat(metadata.getPlatform()).isEqualTo("onnxruntime_onnx");
    assertThat(metadata.getInputs(0).getName()).isEqualTo("input");
    assertThat(metadata.getInputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(metadata.getInputs(0).getShapeList()).containsExactly(-1L, 2L);
    assertThat(metadata.getOutputs(0).getName()).isEqualTo("output");
  }

  @Test
  void model_config_gives_the_signature_as_tritons_configuration_without_batching() {
    // perf_analyzer and tritonclient's get_model_config read it before building a request.
    ModelConfig config =
        stub.modelConfig(ModelConfigRequest.newBuilder().setName("pump").build()).getConfig();

    assertThat(config.getName()).isEqualTo("pump");
    assertThat(config.getPlatform()).isEqualTo("onnxruntime_onnx");
    assertThat(config.getBackend()).isEqualTo("onnxruntime");
    assertThat(config.getMaxBatchSize()).isZero();
    assertThat(config.getInput(0).getName()).isEqualTo("input");
    assertThat(config.getInput(0).getDataType()).isEqualTo(DataType.TYPE_FP32);
    assertThat(config.getInput(0).getDimsList()).containsExactly(-1L, 2L);
    assertThat(config.getOutput(0).getName()).isEqualTo("output");
    assertThat(config.getOutput(0).getDataType()).isEqualTo(DataType.TYPE_FP32);
    assertStatus(
            () ->
                stub.modelConfig(
                    ModelConfigRequest.newBuilder().setName("pump").setVersion("9").build()),
            Status.Code.NOT_FOUND)
        .hasMessageContaining("model 'pump' version 9 is not loaded");
  }

  @Test
  void repository_load_and_unload_answer_what_the_repository_says() {
    // The conformance suite's server only serves what its registry holds (no kept bundles).
    assertStatus(
            () ->
                stub.repositoryModelUnload(
                    RepositoryModelUnloadRequest.newBuilder().setModelName("pump").build()),
            Status.Code.PERMISSION_DENIED)
        .hasMessageContaining("does not unload models: pump");
    assertStatus(
            () ->
                stub.repositoryModelLoad(
                    RepositoryModelLoadRequest.newBuilder()
                        .setModelName("pump")
                        .putParameters(
                            "version",
                            ModelRepositoryParameter.newBuilder().setStringParam("x").build())
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("versions are whole numbers");
    assertStatus(
            () -> stub.repositoryModelLoad(RepositoryModelLoadRequest.getDefaultInstance()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("RepositoryModelLoad names no model");
  }

  @Test
  void every_datatype_has_its_configuration_name() {
    for (dev.verge.core.oip.DataType type : dev.verge.core.oip.DataType.values()) {
      String expected = type == dev.verge.core.oip.DataType.BYTES ? "STRING" : type.name();
      assertThat(InferenceService.configType(type).name()).isEqualTo("TYPE_" + expected);
    }
  }

  @Test
  void model_metadata_of_an_unknown_model_or_version_is_not_found() {
    assertStatus(
            () -> stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()),
            Status.Code.NOT_FOUND)
        .hasMessageContaining("model 'nope' is not loaded");
    assertStatus(
            () ->
                stub.modelMetadata(
                    ModelMetadataRequest.newBuilder().setName("pump").setVersion("9").build()),
            Status.Code.NOT_FOUND)
        .hasMessageContaining("model 'pump' version 9 is not loaded");
  }

  @Test
  void infers_from_raw_contents_and_answers_raw_contents() {
    ModelInferResponse response = stub.modelInfer(rawRequest("req-1", 3f, 3f).build());

    assertThat(response.getModelName()).isEqualTo("pump");
    assertThat(response.getModelVersion()).isEqualTo("3");
    assertThat(response.getId()).isEqualTo("req-1");
    assertThat(response.getOutputs(0).getName()).isEqualTo("output");
    assertThat(response.getOutputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(response.getOutputs(0).getShapeList()).containsExactly(1L, 2L);
    assertThat(response.getOutputs(0).hasContents()).isFalse();
    float[] output = floats(response.getRawOutputContents(0));
    assertThat(output[1]).isGreaterThan(0.99f);
    assertThat(output[0] + output[1]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
  }

  @Test
  void infers_from_typed_contents_and_answers_typed_contents() {
    ModelInferResponse response =
        stub.modelInfer(
            request()
                .addInputs(
                    input("input", "FP32", 2, 2)
                        .setContents(
                            InferTensorContents.newBuilder()
                                .addFp32Contents(0f)
                                .addFp32Contents(0f)
                                .addFp32Contents(3f)
                                .addFp32Contents(3f)))
                .build());

    assertThat(response.getRawOutputContentsCount()).isZero();
    List<Float> data = response.getOutputs(0).getContents().getFp32ContentsList();
    assertThat(data).hasSize(4);
    assertThat(data.get(1)).isLessThan(0.5f);
    assertThat(data.get(3)).isGreaterThan(0.99f);
    assertThat(response.getId()).isEmpty();
  }

  @Test
  void infers_on_an_explicit_version_and_refuses_another() {
    assertThat(
            stub.modelInfer(rawRequest("r", 1f, 1f).setModelVersion("3").build()).getModelVersion())
        .isEqualTo("3");
    assertStatus(
            () -> stub.modelInfer(rawRequest("r", 1f, 1f).setModelVersion("4").build()),
            Status.Code.NOT_FOUND)
        .hasMessageContaining("model 'pump' version 4 is not loaded");
  }

  @Test
  void infer_on_an_unknown_model_is_not_found() {
    assertStatus(
            () -> stub.modelInfer(rawRequest("r", 1f, 1f).setModelName("nope").build()),
            Status.Code.NOT_FOUND)
        .hasMessageContaining("model 'nope' is not loaded");
  }

  @Test
  void records_each_prediction_with_its_request_id() {
    stub.modelInfer(rawRequest("req-9", 3f, 3f).build());

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (served.store.unsynced(10).isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    PredictionRecord record = served.store.unsynced(10).getFirst();
    assertThat(record.model()).isEqualTo("pump");
    assertThat(record.version()).isEqualTo(3);
    assertThat(record.requestId()).isEqualTo("req-9");
    assertThat(served.store.counters().served()).isEqualTo(1);
  }

  @Test
  void returns_only_the_requested_outputs_and_refuses_unknown_ones() {
    ModelInferResponse wanted =
        stub.modelInfer(
            rawRequest("r", 1f, 1f)
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("output"))
                .build());
    assertThat(wanted.getOutputsCount()).isEqualTo(1);

    assertStatus(
            () ->
                stub.modelInfer(
                    rawRequest("r", 1f, 1f)
                        .addOutputs(
                            ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                                .setName("nope"))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("nope");
  }

  @Test
  void answers_the_highest_classes_when_an_output_asks_for_classification() {
    ModelInferResponse answer =
        stub.modelInfer(
            rawRequest("c", 3f, 3f)
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName("output")
                        .putParameters(
                            "classification",
                            dev.verge.grpc.proto.InferParameter.newBuilder()
                                .setInt64Param(1)
                                .build()))
                .build());

    assertThat(answer.getOutputs(0).getDatatype()).isEqualTo("BYTES");
    ByteBuffer raw =
        answer.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    byte[] text = new byte[raw.getInt()];
    raw.get(text);
    assertThat(new String(text, java.nio.charset.StandardCharsets.UTF_8)).endsWith(":1");
  }

  @Test
  void refuses_inputs_that_do_not_fit_the_model_by_name() {
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(input("input", "FP32", 1, 3))
                        .addRawInputContents(raw(1f, 2f, 3f))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input 'input' must have shape [-1, 2] (-1 = any), got [1, 3]");
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(input("input", "FP64", 1, 2))
                        .addRawInputContents(ByteString.copyFrom(new byte[16]))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input 'input' must be FP32, got FP64");
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(input("other", "FP32", 1, 2))
                        .addRawInputContents(raw(1f, 2f))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input 'other' is not an input");
  }

  @Test
  void refuses_raw_contents_that_do_not_match_their_inputs() {
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(input("input", "FP32", 1, 2))
                        .addRawInputContents(raw(1f, 2f, 3f))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining(
            "input 'input': its raw contents have 12 bytes, but shape [1, 2] of FP32 needs 8");
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(input("input", "FP32", 1, 2))
                        .addInputs(input("extra", "FP32", 1))
                        .addRawInputContents(raw(1f, 2f))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("the request has 1 raw_input_contents for 2 inputs");
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(
                            input("input", "FP32", 1, 2)
                                .setContents(
                                    InferTensorContents.newBuilder()
                                        .addFp32Contents(1f)
                                        .addFp32Contents(2f)))
                        .addRawInputContents(raw(1f, 2f))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input 'input' has both contents and raw_input_contents");
  }

  @Test
  void refuses_typed_contents_in_the_wrong_field_or_of_the_wrong_count() {
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(
                            input("input", "FP32", 1, 2)
                                .setContents(
                                    InferTensorContents.newBuilder()
                                        .addIntContents(1)
                                        .addIntContents(2)))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining(
            "input 'input' is FP32, whose elements go in fp32_contents, but the request has 2 in"
                + " int_contents");
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(
                            input("input", "FP32", 1, 2)
                                .setContents(InferTensorContents.newBuilder().addFp32Contents(1f)))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining(
            "input 'input' has 1 elements in fp32_contents, but shape [1, 2] needs 2");
  }

  @Test
  void refuses_requests_without_inputs_names_or_datatypes() {
    assertStatus(() -> stub.modelInfer(request().build()), Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("request has no inputs");
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(input("", "FP32", 1, 2))
                        .addRawInputContents(raw(1f, 2f))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input 0 has no name");
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(input("input", "FLOAT", 1, 2))
                        .addRawInputContents(raw(1f, 2f))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input 'input' has unknown datatype 'FLOAT'");
    assertStatus(
            () -> stub.modelInfer(rawRequest("r", 1f, 1f).setModelName("").build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("ModelInfer names no model");
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .addInputs(input("input", "FP32", 1, -2))
                        .addRawInputContents(raw(1f, 2f))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input 'input' has a negative dimension in shape [1, -2]");
  }

  @Test
  void counts_failures_like_the_rest_door() {
    stub.modelInfer(rawRequest("ok", 1f, 1f).build());
    assertStatus(() -> stub.modelInfer(request().build()), Status.Code.INVALID_ARGUMENT);

    assertThat(served.store.counters().served()).isEqualTo(1);
    assertThat(served.store.counters().failed()).isEqualTo(1);
  }

  @Test
  void refuses_a_message_larger_than_the_limit_with_resource_exhausted() throws Exception {
    served.close();
    java.nio.file.Files.createDirectories(dir.resolve("small"));
    served =
        new Served(
            dir.resolve("small"), new GrpcDoor.Options(64 * 1024, 10, Duration.ofMinutes(1)));
    served.serve("pump", 3, TestModels.logistic());
    float[] big = new float[2 * 20_000];
    ModelInferRequest request =
        request()
            .addInputs(input("input", "FP32", 20_000, 2))
            .addRawInputContents(raw(big))
            .build();

    assertStatus(() -> served.stub().modelInfer(request), Status.Code.RESOURCE_EXHAUSTED);
    // The server still answers afterwards.
    assertThat(served.stub().modelInfer(rawRequest("r", 1f, 1f).build()).getOutputsCount())
        .isEqualTo(1);
  }

  @Test
  void model_statistics_count_successes_and_failures_per_version() {
    stub.modelInfer(rawRequest("a", 1f, 1f).build());
    stub.modelInfer(rawRequest("b", 1f, 1f).build());
    assertStatus(
        () ->
            stub.modelInfer(
                request()
                    .addInputs(input("input", "FP32", 1, 3))
                    .addRawInputContents(raw(1f, 2f, 3f))
                    .build()),
        Status.Code.INVALID_ARGUMENT);

    ModelStatistics stats =
        stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("pump").build())
            .getModelStats(0);

    assertThat(stats.getName()).isEqualTo("pump");
    assertThat(stats.getVersion()).isEqualTo("3");
    assertThat(stats.getInferenceCount()).isEqualTo(2);
    assertThat(stats.getExecutionCount()).isEqualTo(2);
    assertThat(stats.getLastInference()).isPositive();
    assertThat(stats.getInferenceStats().getSuccess().getCount()).isEqualTo(2);
    assertThat(stats.getInferenceStats().getSuccess().getNs()).isPositive();
    assertThat(stats.getInferenceStats().getFail().getCount()).isEqualTo(1);
    InferStatistics phases = stats.getInferenceStats();
    assertThat(phases.getQueue().getCount()).isEqualTo(2);
    assertThat(phases.getComputeInput().getCount()).isEqualTo(2);
    assertThat(phases.getComputeInfer().getCount()).isEqualTo(2);
    assertThat(phases.getComputeInfer().getNs()).isPositive();
    assertThat(phases.getComputeOutput().getCount()).isEqualTo(2);
    assertThat(
            phases.getComputeInput().getNs()
                + phases.getComputeInfer().getNs()
                + phases.getComputeOutput().getNs())
        .isLessThanOrEqualTo(phases.getSuccess().getNs());
  }

  @Test
  void model_statistics_without_a_name_cover_every_model() {
    served.serve("fan", 1, TestModels.logistic(2f));
    stub.modelInfer(rawRequest("a", 1f, 1f).build());

    List<ModelStatistics> all =
        stub.modelStatistics(ModelStatisticsRequest.getDefaultInstance()).getModelStatsList();

    assertThat(all).extracting(ModelStatistics::getName).containsExactly("fan", "pump");
    assertThat(all.get(1).getInferenceCount()).isEqualTo(1);
    assertThat(all.get(0).getInferenceCount()).isZero();
  }

  @Test
  void model_statistics_of_an_unknown_model_is_not_found() {
    assertStatus(
            () -> stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("nope").build()),
            Status.Code.NOT_FOUND)
        .hasMessageContaining("model 'nope' is not loaded");
    assertStatus(
        () -> stub.modelStatistics(ModelStatisticsRequest.newBuilder().setVersion("1").build()),
        Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void repository_index_lists_every_served_model_as_ready() {
    served.serve("fan", 7, TestModels.logistic(2f));

    RepositoryIndexResponse index =
        stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());

    assertThat(index.getModelsList())
        .extracting(m -> m.getName() + " " + m.getVersion() + " " + m.getState())
        .containsExactly("fan 7 READY", "pump 3 READY");
  }

  @Test
  void stream_infer_answers_each_request_in_order_and_survives_a_bad_one() throws Exception {
    List<ModelStreamInferResponse> answers = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<ModelInferRequest> requests =
        GRPCInferenceServiceGrpc.newStub(served.channel)
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .modelStreamInfer(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ModelStreamInferResponse value) {
                    answers.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    requests.onNext(rawRequest("s1", 1f, 1f).build());
    requests.onNext(request().setId("s2").build());
    requests.onNext(rawRequest("s3", 3f, 3f).build());
    requests.onCompleted();
    done.get(20, TimeUnit.SECONDS);

    assertThat(answers).hasSize(3);
    assertThat(answers.get(0).getInferResponse().getId()).isEqualTo("s1");
    assertThat(answers.get(1).getErrorMessage()).isEqualTo("request has no inputs");
    assertThat(answers.get(2).getInferResponse().getId()).isEqualTo("s3");
  }

  @Test
  void every_type_round_trips_as_raw_contents() {
    served.serve("types", 1, TestModels.allTypes());
    ModelInferRequest.Builder raw = request().setModelName("types");
    for (String suffix : new java.util.TreeSet<>(TestModels.ALL_TYPES.keySet())) {
      String type = TestModels.ALL_TYPES_OIP.get(suffix);
      raw.addInputs(input("x_" + suffix, type, 2)).addRawInputContents(sample(type));
    }
    ModelInferRequest sent = raw.build();

    ModelInferResponse answer = stub.modelInfer(sent);

    assertThat(answer.getOutputsCount()).isEqualTo(TestModels.ALL_TYPES.size());
    for (int i = 0; i < answer.getOutputsCount(); i++) {
      String name = answer.getOutputs(i).getName();
      int in = indexOf(sent, "x" + name.substring(1));
      assertThat(answer.getOutputs(i).getDatatype()).isEqualTo(sent.getInputs(in).getDatatype());
      assertThat(answer.getRawOutputContents(i)).as(name).isEqualTo(sent.getRawInputContents(in));
    }
  }

  @Test
  void every_type_with_a_typed_field_round_trips_as_typed_contents() {
    served.serve("typed", 1, IdentityModels.of(TYPED));
    ModelInferRequest.Builder typed = request().setModelName("typed");
    TYPED.forEach(
        (type, contents) -> typed.addInputs(input("x_" + type, type, 2).setContents(contents)));
    ModelInferRequest sent = typed.build();

    ModelInferResponse answer = stub.modelInfer(sent);

    assertThat(answer.getRawOutputContentsCount()).isZero();
    assertThat(answer.getOutputsCount()).isEqualTo(TYPED.size());
    for (ModelInferResponse.InferOutputTensor output : answer.getOutputsList()) {
      String type = output.getName().substring(2);
      assertThat(output.getContents()).as(type).isEqualTo(TYPED.get(type).build());
    }
  }

  @Test
  void a_typed_request_gets_raw_outputs_when_an_output_has_no_typed_field() {
    served.serve(
        "half", 1, IdentityModels.of(java.util.Map.of("FP16", InferTensorContents.newBuilder())));
    ModelInferRequest request =
        request()
            .setModelName("half")
            .addInputs(input("x_FP16", "FP16", 2))
            .addRawInputContents(le(4).putShort((short) 0x3c00).putShort((short) 0xc000).bytes())
            .build();

    ModelInferResponse answer = stub.modelInfer(request);

    assertThat(answer.getRawOutputContents(0)).isEqualTo(request.getRawInputContents(0));
  }

  /** Two elements of every typed-capable datatype, at the edges of their ranges. */
  private static final java.util.Map<String, InferTensorContents.Builder> TYPED =
      new java.util.TreeMap<>(
          java.util.Map.ofEntries(
              java.util.Map.entry(
                  "FP32",
                  InferTensorContents.newBuilder().addFp32Contents(1.5f).addFp32Contents(-2f)),
              java.util.Map.entry(
                  "FP64",
                  InferTensorContents.newBuilder().addFp64Contents(0.25).addFp64Contents(-1e300)),
              java.util.Map.entry(
                  "INT8",
                  InferTensorContents.newBuilder().addIntContents(-128).addIntContents(127)),
              java.util.Map.entry(
                  "INT16",
                  InferTensorContents.newBuilder().addIntContents(-32768).addIntContents(32767)),
              java.util.Map.entry(
                  "INT32",
                  InferTensorContents.newBuilder()
                      .addIntContents(Integer.MIN_VALUE)
                      .addIntContents(7)),
              java.util.Map.entry(
                  "INT64",
                  InferTensorContents.newBuilder()
                      .addInt64Contents(Long.MIN_VALUE)
                      .addInt64Contents(1L << 40)),
              java.util.Map.entry(
                  "UINT8",
                  InferTensorContents.newBuilder().addUintContents(0).addUintContents(255)),
              java.util.Map.entry(
                  "UINT16",
                  InferTensorContents.newBuilder().addUintContents(65535).addUintContents(1)),
              java.util.Map.entry(
                  "UINT32",
                  InferTensorContents.newBuilder().addUintContents(-1).addUintContents(1 << 31)),
              java.util.Map.entry(
                  "UINT64",
                  InferTensorContents.newBuilder().addUint64Contents(-1L).addUint64Contents(3)),
              java.util.Map.entry(
                  "BOOL",
                  InferTensorContents.newBuilder().addBoolContents(true).addBoolContents(false)),
              java.util.Map.entry(
                  "BYTES",
                  InferTensorContents.newBuilder()
                      .addBytesContents(ByteString.copyFromUtf8("pompe"))
                      .addBytesContents(ByteString.copyFromUtf8("")))));

  /** Two elements of {@code type} as raw little-endian contents. */
  private static ByteString sample(String type) {
    return switch (type) {
      case "FP32" -> raw(1.5f, -2f);
      case "FP64" -> le(16).putDouble(0.25).putDouble(-1e300).bytes();
      case "INT8", "UINT8", "BOOL" -> ByteString.copyFrom(new byte[] {1, 0});
      case "INT16", "UINT16", "FP16", "BF16" ->
          le(4).putShort((short) 0x3c00).putShort((short) 0xc000).bytes();
      case "INT32", "UINT32" -> le(8).putInt(-7).putInt(1 << 31).bytes();
      case "INT64", "UINT64" -> le(16).putLong(1L << 40).putLong(-1L).bytes();
      case "BYTES" -> {
        byte[] text = "pompe".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        yield le(8 + text.length).putInt(text.length).put(text).putInt(0).bytes();
      }
      default -> throw new AssertionError("no sample for " + type);
    };
  }

  @Test
  void refuses_typed_values_outside_their_datatype() {
    served.serve("types", 1, TestModels.allTypes());

    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .setModelName("types")
                        .addInputs(
                            input("x_int8", "INT8", 1)
                                .setContents(InferTensorContents.newBuilder().addIntContents(300)))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input 'x_int8': element 0 is 300, outside the range of INT8");
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .setModelName("types")
                        .addInputs(
                            input("x_bytes", "BYTES", 1)
                                .setContents(
                                    InferTensorContents.newBuilder()
                                        .addBytesContents(
                                            ByteString.copyFrom(new byte[] {(byte) 0xff}))))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input 'x_bytes': element 0 is not valid UTF-8");
    assertStatus(
            () ->
                stub.modelInfer(
                    request()
                        .setModelName("types")
                        .addInputs(
                            input("x_fp32", "FP16", 1)
                                .setContents(InferTensorContents.newBuilder()))
                        .build()),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input 'x_fp32'")
        .hasMessageContaining("FP16");
  }

  @Test
  void a_method_the_agent_does_not_serve_is_unimplemented() {
    io.grpc.MethodDescriptor<ServerLiveRequest, ServerLiveRequest> load =
        io.grpc.MethodDescriptor.<ServerLiveRequest, ServerLiveRequest>newBuilder()
            .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("inference.GRPCInferenceService/SystemSharedMemoryStatus")
            .setRequestMarshaller(
                io.grpc.protobuf.ProtoUtils.marshaller(ServerLiveRequest.getDefaultInstance()))
            .setResponseMarshaller(
                io.grpc.protobuf.ProtoUtils.marshaller(ServerLiveRequest.getDefaultInstance()))
            .build();

    assertStatus(
        () ->
            io.grpc.stub.ClientCalls.blockingUnaryCall(
                served.channel,
                load,
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                ServerLiveRequest.getDefaultInstance()),
        Status.Code.UNIMPLEMENTED);
  }

  private boolean ready(String name, String version) {
    return stub.modelReady(ModelReadyRequest.newBuilder().setName(name).setVersion(version).build())
        .getReady();
  }

  static ModelInferRequest.Builder request() {
    return ModelInferRequest.newBuilder().setModelName("pump");
  }

  static ModelInferRequest.Builder rawRequest(String id, float a, float b) {
    return request()
        .setId(id)
        .addInputs(input("input", "FP32", 1, 2))
        .addRawInputContents(raw(a, b));
  }

  static ModelInferRequest.InferInputTensor.Builder input(String name, String type, long... shape) {
    ModelInferRequest.InferInputTensor.Builder input =
        ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(type);
    for (long dim : shape) {
      input.addShape(dim);
    }
    return input;
  }

  static ByteString raw(float... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return ByteString.copyFrom(buffer.array());
  }

  static float[] floats(ByteString raw) {
    float[] values = new float[raw.size() / 4];
    raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  private static LittleEndian le(int size) {
    return new LittleEndian(size);
  }

  private static int indexOf(ModelInferRequest request, String name) {
    for (int i = 0; i < request.getInputsCount(); i++) {
      if (request.getInputs(i).getName().equals(name)) {
        return i;
      }
    }
    throw new AssertionError("no input " + name);
  }

  private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> assertStatus(
      ThrowingCallable call, Status.Code code) {
    return assertThatThrownBy(call)
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(code));
  }

  /** A little-endian buffer that becomes a ByteString once filled. */
  private static final class LittleEndian {
    private final ByteBuffer buffer;

    LittleEndian(int size) {
      buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    LittleEndian put(byte value) {
      buffer.put(value);
      return this;
    }

    LittleEndian put(byte[] value) {
      buffer.put(value);
      return this;
    }

    LittleEndian putShort(short value) {
      buffer.putShort(value);
      return this;
    }

    LittleEndian putInt(int value) {
      buffer.putInt(value);
      return this;
    }

    LittleEndian putLong(long value) {
      buffer.putLong(value);
      return this;
    }

    LittleEndian putDouble(double value) {
      buffer.putDouble(value);
      return this;
    }

    ByteString bytes() {
      return ByteString.copyFrom(buffer.array());
    }
  }
}
