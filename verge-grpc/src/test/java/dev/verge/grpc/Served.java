package dev.verge.grpc;

import dev.verge.agent.serving.InferenceServer;
import dev.verge.agent.serving.LocalModels;
import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.grpc.proto.GRPCInferenceServiceGrpc;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.OnnxEngine;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real serving stack on loopback for one test: store, registry, the REST door, the gRPC door on
 * the same serving core, and a grpc-java client channel to it.
 */
final class Served implements AutoCloseable {
  /** One engine for the whole run: ONNX Runtime's environment is process-wide anyway. */
  static final OnnxEngine ENGINE = new OnnxEngine(EngineOptions.defaults());

  final AgentStore store;
  final ModelRegistry registry = new ModelRegistry();
  final AtomicReference<Optional<String>> notReady = new AtomicReference<>(Optional.empty());
  final InferenceServer rest;
  final GrpcDoor grpc;
  final ManagedChannel channel;

  Served(Path dir, GrpcDoor.Options options) {
    store = SqliteAgentStore.open(dir.resolve("agent.db"));
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    rest =
        InferenceServer.start(
            loopback, registry, store, notReady::get, () -> Map.of("device", "d"));
    grpc = GrpcDoor.start(loopback, rest.local(), rest.repositoryView(), options);
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", grpc.port())
            .usePlaintext()
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build();
  }

  Served(Path dir) {
    this(dir, GrpcDoor.Options.defaults());
  }

  LoadedModel serve(String name, long version, byte[] model) {
    LoadedModel loaded = ENGINE.load(new ModelSource(name, version, model));
    registry.activate(loaded);
    return loaded;
  }

  LocalModels local() {
    return rest.local();
  }

  /** A blocking stub whose every call has a deadline. */
  GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub() {
    return GRPCInferenceServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    grpc.close();
    rest.close();
    registry.close();
    store.close();
  }
}
