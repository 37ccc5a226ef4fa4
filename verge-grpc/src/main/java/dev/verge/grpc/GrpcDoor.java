package dev.verge.grpc;

import dev.verge.agent.serving.Door;
import dev.verge.agent.serving.InferenceServer;
import dev.verge.agent.serving.LocalModels;
import dev.verge.agent.serving.ModelRepository;
import dev.verge.http.Limits;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The agent's KServe v2 gRPC API ({@code inference.GRPCInferenceService}) on a Netty HTTP/2 server.
 * Calls run on the Netty event loop that received them (no hand-off to a pool: an inference is
 * short and CPU-bound, and HTTP/2 flow control then holds back a client that sends faster than the
 * models run).
 */
public final class GrpcDoor implements Door {
  /** How long {@link #close()} lets calls in flight finish. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

  /**
   * How the server is bounded.
   *
   * @param maxMessageBytes the largest request message; larger ones are refused with
   *     RESOURCE_EXHAUSTED before they are read whole
   * @param maxCallsPerConnection calls one connection may have open at once
   * @param idleTimeout how long a connection with no call in flight stays open
   */
  public record Options(int maxMessageBytes, int maxCallsPerConnection, Duration idleTimeout) {
    public Options {
      if (maxMessageBytes < 1024) {
        throw new IllegalArgumentException("maxMessageBytes below 1 KiB: " + maxMessageBytes);
      }
      if (maxCallsPerConnection < 1) {
        throw new IllegalArgumentException("maxCallsPerConnection below 1");
      }
    }

    /** The REST door's body limit for this heap, 100 calls per connection, 5 minutes idle. */
    public static Options defaults() {
      long body =
          Limits.forThisHeap(InferenceServer.MAX_BODY_BYTES, InferenceServer.MAX_BODY_BYTES)
              .bodyBytes();
      return new Options((int) Math.min(body, Integer.MAX_VALUE), 100, Duration.ofMinutes(5));
    }
  }

  private final Server server;

  private GrpcDoor(Server server) {
    this.server = server;
  }

  /**
   * Starts serving {@code models} on {@code address}, without local control: repository load and
   * unload are refused.
   *
   * @throws UncheckedIOException naming the address when it cannot be bound
   */
  public static GrpcDoor start(InetSocketAddress address, LocalModels models, Options options) {
    return start(address, models, null, options);
  }

  /**
   * Starts serving {@code models} on {@code address}; repository load and unload go to {@code
   * repository} (null: refused) while the door is bound to loopback, as the REST door's.
   *
   * @throws UncheckedIOException naming the address when it cannot be bound
   */
  public static GrpcDoor start(
      InetSocketAddress address, LocalModels models, ModelRepository repository, Options options) {
    boolean loopback = address.getAddress() == null || address.getAddress().isLoopbackAddress();
    Server server =
        NettyServerBuilder.forAddress(address)
            .directExecutor()
            .addService(new InferenceService(models, loopback ? repository : null))
            .maxInboundMessageSize(options.maxMessageBytes())
            .maxInboundMetadataSize(16 * 1024)
            .maxConcurrentCallsPerConnection(options.maxCallsPerConnection())
            .maxConnectionIdle(options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .handshakeTimeout(10, TimeUnit.SECONDS)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve gRPC on " + address + ": " + e.getMessage(), e);
    }
    return new GrpcDoor(server);
  }

  @Override
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "gRPC door on port " + port();
  }
}
