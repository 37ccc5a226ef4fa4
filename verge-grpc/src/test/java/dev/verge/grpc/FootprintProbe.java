package dev.verge.grpc;

import dev.verge.agent.serving.InferenceServer;
import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.grpc.proto.GRPCInferenceServiceGrpc;
import dev.verge.grpc.proto.ModelInferRequest;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the gRPC door costs a process, for docs/benchmarks.md (a measurement, not a test): resident
 * memory and loaded classes with the REST door only, then with the gRPC door open and after calls,
 * and the latency of sequential batch-1 calls on one connection.
 *
 * <p>Run: see docs/benchmarks.md, "The gRPC door".
 */
public final class FootprintProbe {
  private FootprintProbe() {}

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    Path dir = Files.createTempDirectory("verge-grpc-probe");
    ModelRegistry registry = new ModelRegistry();
    registry.activate(Served.ENGINE.load(new ModelSource("pump", 1, TestModels.logistic())));
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try (AgentStore store = SqliteAgentStore.open(dir.resolve("agent.db"));
        InferenceServer rest =
            InferenceServer.start(loopback, registry, store, Optional::empty, Map::of)) {
      Tensor features = new Tensor("input", DataType.FP32, new long[] {1, 2}, new float[] {1, 1});
      for (int i = 0; i < 2_000; i++) {
        rest.local().model("pump").infer(features);
      }
      report("REST door open, gRPC off");
      try (GrpcDoor grpc = GrpcDoor.start(loopback, rest.local(), GrpcDoor.Options.defaults())) {
        report("gRPC door open, no call yet");
        ManagedChannel channel =
            NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
            GRPCInferenceServiceGrpc.newBlockingStub(channel);
        ModelInferRequest request = GrpcConformanceTest.rawRequest("p", 1f, 1f).build();
        for (int i = 0; i < 2_000; i++) {
          stub.withDeadlineAfter(10, TimeUnit.SECONDS).modelInfer(request);
        }
        long[] nanos = new long[calls];
        for (int i = 0; i < calls; i++) {
          long start = System.nanoTime();
          stub.withDeadlineAfter(10, TimeUnit.SECONDS).modelInfer(request);
          nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        long total = Arrays.stream(nanos).sum();
        System.out.printf(
            "gRPC ModelInfer, batch 1, raw contents, 1 connection, sequential: %d calls, %.0f/s,"
                + " p50 %d us, p99 %d us%n",
            calls,
            calls / (total / 1e9),
            nanos[calls / 2] / 1_000,
            nanos[(int) (calls * 0.99)] / 1_000);
        report("after the gRPC calls (the client's classes count too)");
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      registry.close();
    }
  }

  private static void report(String when) throws Exception {
    System.gc();
    long rss = 0;
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        rss = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
    System.out.printf(
        "%s: RSS %d MiB, heap used %d MiB, classes loaded %d%n",
        when, rss, heap, ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
  }
}
