package dev.verge.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.serving.Door;
import dev.verge.grpc.proto.GRPCInferenceServiceGrpc;
import dev.verge.grpc.proto.ServerLiveRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent finds this door through {@link ServiceLoader}, as it does when its gRPC port is set.
 */
class GrpcDoorFactoryTest {
  @TempDir Path dir;

  @Test
  void the_agent_finds_the_grpc_door_on_the_class_path_and_it_serves() throws Exception {
    Door.Factory factory =
        ServiceLoader.load(Door.Factory.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(f -> f.protocol().equals("grpc"))
            .findFirst()
            .orElseThrow();

    try (Served served = new Served(dir);
        Door door =
            factory.open(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                served.local(),
                served.rest.repositoryView())) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", door.port()).usePlaintext().build();
      try {
        assertThat(
                GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .serverLive(ServerLiveRequest.getDefaultInstance())
                    .getLive())
            .isTrue();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void a_port_in_use_is_refused_naming_the_address() throws Exception {
    try (Served served = new Served(dir)) {
      InetSocketAddress taken =
          new InetSocketAddress(InetAddress.getLoopbackAddress(), served.grpc.port());

      assertThatThrownBy(
              () -> new GrpcDoorFactory().open(taken, served.local(), served.rest.repositoryView()))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("cannot serve gRPC on")
          .hasMessageContaining(Integer.toString(served.grpc.port()));
    }
  }
}
