package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.serving.InferCall;
import dev.verge.agent.serving.InferResult;
import dev.verge.agent.serving.LocalModel;
import dev.verge.agent.serving.ModelNotFoundException;
import dev.verge.agent.serving.ModelStatistics;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.Tensor;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The in-process API of a running agent: its models without HTTP, through the same core. */
class LocalApiTest extends AgentHarness {
  private static Tensor features(float a, float b) {
    return new Tensor("input", DataType.FP32, new long[] {1, 2}, new float[] {a, b});
  }

  @Test
  void infers_in_process_and_records_like_the_http_door() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();

    InferResult result =
        agent
            .local()
            .model("pump")
            .infer(new InferCall("local-1", java.util.List.of(features(3f, 3f)), Set.of()));

    assertThat(result.model()).isEqualTo("pump");
    assertThat(result.version()).isEqualTo(1);
    assertThat(result.id()).isEqualTo("local-1");
    assertThat(((float[]) result.outputs().getFirst().data())[1]).isGreaterThan(0.99f);
    Eventually.await("the prediction recorded", () -> records().size() == 1);
    assertThat(records().getFirst().requestId()).isEqualTo("local-1");
    ModelStatistics.VersionStats stats =
        agent.local().statistics("pump", null).modelStats().getFirst();
    assertThat(stats.inferenceCount()).isEqualTo(1);
    assertThat(stats.inferenceStats().computeInfer().count()).isEqualTo(1);
    assertThat(stats.inferenceStats().computeInfer().ns()).isPositive();
    assertThat(stats.inferenceStats().computeInfer().ns())
        .isLessThanOrEqualTo(stats.inferenceStats().success().ns());
    assertThat(agent.local().models()).isEqualTo(Map.of("pump", 1L));
    assertThat(agent.local().model("pump").metadata().inputs().getFirst().name())
        .isEqualTo("input");
  }

  @Test
  void a_handle_follows_the_active_version_and_a_pinned_one_does_not() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();
    LocalModel following = agent.local().model("pump");
    LocalModel pinned = agent.local().model("pump", 1);
    assertThat(pinned.infer(features(1f, 1f)).version()).isEqualTo(1);

    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    agent.syncNow();

    assertThat(following.infer(features(1f, 1f)).version()).isEqualTo(2);
    assertThat(pinned.ready()).isFalse();
    assertThatThrownBy(() -> pinned.infer(features(1f, 1f)))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("model 'pump' version 1 is not loaded; version 2 serves");
    assertThat(agent.status().predictionsFailed()).isEqualTo(1);
  }

  @Test
  void refuses_inputs_that_do_not_fit_by_name_and_counts_them() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();

    assertThatThrownBy(
            () ->
                agent
                    .local()
                    .model("pump")
                    .infer(new Tensor("input", DataType.FP32, new long[] {1, 3}, new float[3])))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("input 'input' must have shape [-1, 2] (-1 = any), got [1, 3]");
    assertThatThrownBy(() -> agent.local().model("nope").infer(features(1f, 1f)))
        .isInstanceOf(ModelNotFoundException.class);
    assertThat(agent.status().predictionsFailed()).isEqualTo(2);
  }

  @Test
  void upgrades_while_in_process_callers_hammer_the_model_without_a_single_failure()
      throws Exception {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();
    LocalModel pump = agent.local().model("pump");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ok = new AtomicLong();
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    Set<Long> versions = ConcurrentHashMap.newKeySet();
    try (ExecutorService callers = Executors.newFixedThreadPool(4)) {
      Future<?>[] running = new Future<?>[4];
      for (int c = 0; c < running.length; c++) {
        running[c] =
            callers.submit(
                () -> {
                  while (!stop.get()) {
                    try {
                      versions.add(pump.infer(features(1f, 1f)).version());
                      ok.incrementAndGet();
                    } catch (RuntimeException e) {
                      failures.merge(e.toString(), 1, Integer::sum);
                    }
                  }
                });
      }
      Eventually.await("calls on v1", () -> ok.get() >= 50);
      hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
      agent.syncNow();
      Eventually.await("calls on v2", () -> versions.contains(2L));
      hub.desire(hub.model("pump", 3, bundles.logistic("pump", 3)));
      agent.syncNow();
      long atV3 = ok.get();
      Eventually.await("calls on v3", () -> versions.contains(3L) && ok.get() > atV3 + 50);
      stop.set(true);
      for (Future<?> future : running) {
        future.get();
      }
    }

    assertThat(failures).isEmpty();
    assertThat(versions).contains(1L, 2L, 3L);
    Eventually.await("every call recorded", () -> agent.status().predictionsServed() == ok.get());
  }

  /** The agent's store is its own: read its records through a second connection to the file. */
  private java.util.List<PredictionRecord> records() {
    try (dev.verge.agent.store.SqliteAgentStore store =
        dev.verge.agent.store.SqliteAgentStore.open(data.resolve(DataDir.STORE_FILE))) {
      return store.unsynced(10);
    }
  }
}
