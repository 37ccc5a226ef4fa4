package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.runtime.InferenceEngine;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Background loops survive any failure of one iteration, an Error included, and go on. */
class LoopSurvivalTest extends AgentHarness {

  @Test
  void the_sync_loop_goes_on_after_an_error_in_one_cycle() {
    AtomicInteger loads = new AtomicInteger();
    InferenceEngine breaksOnce =
        new InferenceEngine() {
          @Override
          public LoadedModel load(ModelSource source) {
            if (loads.incrementAndGet() == 1) {
              throw new LinkageError("the native library broke");
            }
            return Engines.ONNX.load(source);
          }

          @Override
          public void close() {}
        };
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));

    Agent agent = start(config().withPollInterval(Duration.ofMillis(50)), breaksOnce);

    Eventually.await(
        "the model serves after the failed cycle",
        () -> reported("pump").map(r -> Long.valueOf(1).equals(r.activeVersion())).orElse(false));
    assertThat(loads.get()).isGreaterThanOrEqualTo(2);
    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
  }

  /**
   * Issue 9: a model too large for the heap ended the sync thread. An OutOfMemoryError while a
   * model loads is now that version's refusal, with its reason, and the loop goes on.
   */
  @Test
  void running_out_of_memory_loading_a_model_refuses_that_version_and_sync_goes_on() {
    InferenceEngine tooLarge =
        new InferenceEngine() {
          @Override
          public LoadedModel load(ModelSource source) {
            if (source.version() == 1) {
              throw new OutOfMemoryError("Java heap space");
            }
            return Engines.ONNX.load(source);
          }

          @Override
          public void close() {}
        };
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start(config(), tooLarge);

    agent.syncNow();

    assertThat(reported("pump").orElseThrow().error())
        .startsWith("model load failed: not enough memory to load pump v1")
        .contains("lower max-model-mb or raise -XX:MaxDirectMemorySize");

    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("2");
  }
}
