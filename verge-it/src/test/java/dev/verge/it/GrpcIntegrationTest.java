package dev.verge.it;

import static dev.verge.it.Fleet.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.verge.agent.Agent;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.grpc.proto.GRPCInferenceServiceGrpc;
import dev.verge.grpc.proto.ModelInferRequest;
import dev.verge.grpc.proto.ModelInferResponse;
import dev.verge.grpc.proto.ModelReadyRequest;
import dev.verge.grpc.proto.ModelRepositoryParameter;
import dev.verge.grpc.proto.RepositoryModelLoadRequest;
import dev.verge.grpc.proto.RepositoryModelUnloadRequest;
import dev.verge.grpc.proto.ServerReadyRequest;
import dev.verge.runtime.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real hub and an agent with its gRPC port set: the agent finds the gRPC door on its class path,
 * serves the deployed model over it and in process, and follows an upgrade.
 */
class GrpcIntegrationTest {
  private static final Map<String, String> SITE = Map.of("site", "a");

  @TempDir Path root;
  private Fleet fleet;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    fleet = new Fleet(root);
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    fleet.close();
  }

  @Test
  void an_agent_with_a_grpc_port_serves_deployed_models_over_grpc_and_in_process()
      throws Exception {
    Fleet.Publisher publisher = fleet.publisher("publisher", true);
    fleet.publish("pump", 1, TestModels.logistic(1f), publisher);
    Agent agent = startWithGrpc(publisher);
    DeploymentView v1 = fleet.deploy("pump", 1, SITE);
    await("the agent serves v1", () -> fleet.admin.deployment(v1.id()).counts().active() == 1);

    assertThat(stub().serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    ModelInferResponse answer = stub().modelInfer(request());
    assertThat(answer.getModelVersion()).isEqualTo("1");
    float[] overGrpc = floats(answer.getRawOutputContents(0));
    float[] inProcess =
        (float[])
            agent
                .local()
                .model("pump")
                .infer(new Tensor("input", DataType.FP32, new long[] {1, 2}, new float[] {2f, 2f}))
                .outputs()
                .getFirst()
                .data();
    assertThat(overGrpc).isEqualTo(inProcess);
    assertThat(overGrpc[1]).isGreaterThan(0.9f);

    fleet.publish("pump", 2, TestModels.logistic(3f), publisher);
    DeploymentView v2 = fleet.deploy("pump", 2, SITE);
    await("the agent serves v2", () -> fleet.admin.deployment(v2.id()).counts().active() == 1);
    assertThat(stub().modelInfer(request()).getModelVersion()).isEqualTo("2");
  }

  @Test
  void a_model_unloaded_and_loaded_again_over_grpc_stops_and_resumes_serving() throws Exception {
    Fleet.Publisher publisher = fleet.publisher("publisher", true);
    fleet.publish("pump", 1, TestModels.logistic(1f), publisher);
    startWithGrpc(publisher);
    DeploymentView v1 = fleet.deploy("pump", 1, SITE);
    await("the agent serves v1", () -> fleet.admin.deployment(v1.id()).counts().active() == 1);

    stub()
        .repositoryModelUnload(
            RepositoryModelUnloadRequest.newBuilder().setModelName("pump").build());
    assertThat(ready()).as("ready after the unload").isFalse();

    stub()
        .repositoryModelLoad(
            RepositoryModelLoadRequest.newBuilder()
                .setModelName("pump")
                .putParameters(
                    "version", ModelRepositoryParameter.newBuilder().setStringParam("1").build())
                .build());
    assertThat(ready()).as("ready after the load").isTrue();
    assertThat(stub().modelInfer(request()).getModelVersion()).isEqualTo("1");

    assertThatThrownBy(
            () ->
                stub()
                    .repositoryModelLoad(
                        RepositoryModelLoadRequest.newBuilder().setModelName("nope").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  private boolean ready() {
    return stub().modelReady(ModelReadyRequest.newBuilder().setName("pump").build()).getReady();
  }

  /** An agent with its gRPC door open, and {@link #channel} to it. */
  private Agent startWithGrpc(Fleet.Publisher publisher) {
    Agent agent =
        fleet.start(fleet.agentConfig("edge", SITE, publisher.publicKey()).withGrpcPort(0));
    assertThat(agent.grpcPort()).isPresent();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", agent.grpcPort().getAsInt())
            .usePlaintext()
            .build();
    return agent;
  }

  private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub() {
    return GRPCInferenceServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static ModelInferRequest request() {
    ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    bytes.putFloat(2f).putFloat(2f);
    return ModelInferRequest.newBuilder()
        .setModelName("pump")
        .addInputs(
            ModelInferRequest.InferInputTensor.newBuilder()
                .setName("input")
                .setDatatype("FP32")
                .addShape(1)
                .addShape(2))
        .addRawInputContents(ByteString.copyFrom(bytes.array()))
        .build();
  }

  private static float[] floats(ByteString raw) {
    float[] values = new float[raw.size() / 4];
    raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }
}
