package dev.verge.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.verge.agent.mqtt.MosquittoBroker;
import dev.verge.grpc.proto.GRPCInferenceServiceGrpc;
import dev.verge.grpc.proto.ServerLiveRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC door (grpc-netty) and the MQTT client of pipelines (HiveMQ) share one Netty, 4.2, in one
 * agent JVM: both serve at once, and no Netty jar of another version is on the class path.
 */
class OneNettyTest {
  @TempDir Path dir;

  @Test
  void the_grpc_door_and_an_mqtt_round_trip_work_side_by_side_on_netty_4_2() throws Exception {
    assertThat(io.netty.util.Version.identify().values())
        .isNotEmpty()
        .allSatisfy(v -> assertThat(v.artifactVersion()).startsWith("4.2."));
    try (Served served = new Served(dir);
        MosquittoBroker broker = MosquittoBroker.start(dir.resolve("broker"))) {
      Mqtt5AsyncClient client =
          MqttClient.builder()
              .useMqttVersion5()
              .identifier("one-netty")
              .serverHost("127.0.0.1")
              .serverPort(broker.port())
              .buildAsync();
      client.connect().get(10, TimeUnit.SECONDS);
      CompletableFuture<String> echoed = new CompletableFuture<>();
      client
          .subscribeWith()
          .topicFilter("echo")
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(p -> echoed.complete(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))
          .send()
          .get(10, TimeUnit.SECONDS);
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", served.grpc.port()).usePlaintext().build();
      try {
        client
            .publishWith()
            .topic("echo")
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload("over mqtt".getBytes(StandardCharsets.UTF_8))
            .send()
            .get(10, TimeUnit.SECONDS);
        boolean live =
            GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .serverLive(ServerLiveRequest.getDefaultInstance())
                .getLive();

        assertThat(live).isTrue();
        assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("over mqtt");
        assertThat(broker.log()).contains("one-netty");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        client.disconnect().get(10, TimeUnit.SECONDS);
      }
    }
  }
}
