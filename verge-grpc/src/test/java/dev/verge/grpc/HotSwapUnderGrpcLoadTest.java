package dev.verge.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.grpc.proto.GRPCInferenceServiceGrpc;
import dev.verge.grpc.proto.ModelInferResponse;
import dev.verge.runtime.TestModels;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions swapped while gRPC clients call the model: every call answers, from some version. */
class HotSwapUnderGrpcLoadTest {
  private static final int CLIENTS = 6;
  private static final int SWAPS = 20;

  @TempDir Path dir;

  private Served served;

  @BeforeEach
  void start() {
    served = new Served(dir);
    served.serve("pump", 1, TestModels.logistic(1f));
  }

  @AfterEach
  void stop() throws InterruptedException {
    served.close();
  }

  @Test
  void swaps_versions_under_concurrent_grpc_calls_without_a_single_failure() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ok = new AtomicLong();
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    Set<String> versions = ConcurrentHashMap.newKeySet();
    try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
      Future<?>[] running = new Future<?>[CLIENTS];
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        running[c] =
            clients.submit(
                () -> {
                  GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                      GRPCInferenceServiceGrpc.newBlockingStub(served.channel);
                  int i = 0;
                  while (!stop.get()) {
                    try {
                      ModelInferResponse response =
                          stub.withDeadlineAfter(20, TimeUnit.SECONDS)
                              .modelInfer(
                                  GrpcConformanceTest.rawRequest("c" + client + "-" + i++, 1f, 1f)
                                      .build());
                      versions.add(response.getModelVersion());
                      ok.incrementAndGet();
                    } catch (RuntimeException e) {
                      failures.merge(e.toString(), 1, Integer::sum);
                    }
                  }
                });
      }
      awaitMore(ok, CLIENTS);
      for (int version = 2; version <= SWAPS + 1; version++) {
        long before = ok.get();
        served.serve("pump", version, TestModels.logistic(version));
        awaitMore(ok, before + CLIENTS);
      }
      stop.set(true);
      for (Future<?> client : running) {
        client.get(30, TimeUnit.SECONDS);
      }
    }

    assertThat(failures).isEmpty();
    assertThat(ok.get()).isGreaterThan(SWAPS * CLIENTS);
    assertThat(versions).contains("1", Integer.toString(SWAPS + 1));
    assertThat(versions.size()).isGreaterThan(SWAPS / 2);
    assertThat(served.store.counters().failed()).isZero();
  }

  /**
   * Waits, up to a deadline, until more calls have answered (some on the version just swapped in).
   */
  private static void awaitMore(AtomicLong ok, long target) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (ok.get() < target) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("calls stopped answering: " + ok.get() + " of " + target);
      }
      Thread.sleep(1);
    }
  }
}
