package dev.verge.bench.serve;

import dev.verge.grpc.proto.GRPCInferenceServiceGrpc;
import dev.verge.grpc.proto.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The agent over KServe v2 gRPC, driven by a lean grpc-java client in this JVM ({@link GrpcLoad}):
 * {@link Case#connections()} channels, each its own HTTP/2 connection with one call in flight at a
 * time (a closed loop, as wrk's connections are), {@code ModelInfer} with raw input contents, on as
 * many event-loop threads as wrk gets (at most 2). The agent's door runs a call on the event loop
 * of the connection it came in on, so one connection per caller is what lets it use its cores, as a
 * client pool of N connections would.
 */
final class OverGrpc implements Contender {
  /** The most a call may take, so a stalled server fails the cell instead of hanging the run. */
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);

  /** Above the agent's own request limit; answers here are a few KiB. */
  private static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

  private final String key;
  private final String column;
  private final ServerProcess server;
  private final String host;
  private final int port;
  private final AutoCloseable owner;

  /** The client's event loops, which run its callbacks too: the load's threads. */
  private final EventLoopGroup loops =
      new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

  /** Opened as cases ask for more, kept for the next: connecting is the warm-up's to pay. */
  private final List<ManagedChannel> channels = new ArrayList<>();

  /**
   * @param port the server's gRPC port, on the host of its HTTP endpoint
   * @param owner what started the server, closed with it
   */
  OverGrpc(String key, String column, ServerProcess server, int port, AutoCloseable owner) {
    this.key = key;
    this.column = column;
    this.server = server;
    this.host = server.url().getHost();
    this.port = port;
    this.owner = owner;
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public String column() {
    return column;
  }

  /** Raw contents are its only encoding: the JSON/binary choice is HTTP's. */
  @Override
  public boolean encodes() {
    return false;
  }

  @Override
  public float[] answer(BenchModel model, int batch, Tensors tensors) {
    return GrpcMessages.output(
        GRPCInferenceServiceGrpc.newBlockingStub(channels(1).getFirst())
            .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .modelInfer(GrpcMessages.infer(model, batch)),
        model,
        batch);
  }

  @Override
  public Measurement measure(Case c, Duration warmup, Duration duration) throws Exception {
    server.requireAlive();
    Measurement m =
        GrpcLoad.run(
            channels(c.connections()),
            GRPCInferenceServiceGrpc.getModelInferMethod(),
            GrpcMessages.infer(c.model(), c.batch()),
            CALL_DEADLINE,
            warmup,
            duration);
    server.requireAlive();
    return m;
  }

  /**
   * The client's ceiling: {@code ServerReady}, which runs no model, at {@code connections}, the
   * gRPC counterpart of wrk against the readiness route.
   */
  Measurement ready(int connections, Duration duration) throws InterruptedException {
    return GrpcLoad.run(
        channels(connections),
        GRPCInferenceServiceGrpc.getServerReadyMethod(),
        ServerReadyRequest.getDefaultInstance(),
        CALL_DEADLINE,
        Duration.ofSeconds(1),
        duration);
  }

  /** The first {@code count} channels, each a connection of its own; opened when missing. */
  private List<ManagedChannel> channels(int count) {
    synchronized (channels) {
      while (channels.size() < count) {
        channels.add(
            NettyChannelBuilder.forAddress(host, port)
                .eventLoopGroup(loops)
                .channelType(NioSocketChannel.class)
                // Answers are handled on the event loop that read them, as GrpcLoad needs.
                .directExecutor()
                .usePlaintext()
                .maxInboundMessageSize(MAX_ANSWER_BYTES)
                .build());
      }
      return List.copyOf(channels.subList(0, count));
    }
  }

  @Override
  public OptionalLong pid() {
    return OptionalLong.of(server.pid());
  }

  @Override
  public void close() throws Exception {
    try {
      List<ManagedChannel> open;
      synchronized (channels) {
        open = List.copyOf(channels);
      }
      for (ManagedChannel channel : open) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    } finally {
      owner.close();
    }
  }
}
