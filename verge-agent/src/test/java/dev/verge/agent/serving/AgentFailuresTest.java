package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.store.StoreException;
import dev.verge.agent.store.StoreFullException;
import dev.verge.http.LogCapture;
import dev.verge.http.Problem;
import dev.verge.runtime.EngineException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AgentFailuresTest {
  private final AgentFailures failures = new AgentFailures();

  @Test
  void a_full_store_is_507_insufficient_storage_with_its_message() {
    Problem problem =
        failures.map(new StoreFullException("the prediction store is full", null)).orElseThrow();

    assertThat(problem.status()).isEqualTo(507);
    assertThat(problem.message()).isEqualTo("the prediction store is full");
  }

  @Test
  void a_store_that_does_not_keep_up_is_503_with_retry_after() {
    Problem problem =
        failures
            .map(
                new dev.verge.agent.store.StoreBusyException("the capture queue stayed full", null))
            .orElseThrow();

    assertThat(problem.status()).isEqualTo(503);
    assertThat(problem.headers()).containsEntry("Retry-After", "1");
    assertThat(problem.message()).isEqualTo("the capture queue stayed full");
    assertThat(problem.serverFault()).isFalse();
  }

  @Test
  void any_other_store_failure_is_500_naming_the_prediction() {
    Problem problem = failures.map(new StoreException("disk I/O error", null)).orElseThrow();

    assertThat(problem.status()).isEqualTo(500);
    assertThat(problem.message()).contains("cannot record the prediction").contains("disk I/O");
  }

  @Test
  void failures_it_does_not_know_are_left_to_the_layer() {
    assertThat(failures.map(new IllegalStateException("bug"))).isEmpty();
  }

  /** Regression: a model failing on every request logged a stack trace per request. */
  @Test
  void a_model_that_keeps_failing_is_logged_once_a_minute_with_a_count() {
    AtomicLong now = new AtomicLong();
    AgentFailures throttled = new AgentFailures(now::get);
    try (LogCapture log = new LogCapture()) {
      for (int i = 0; i < 500; i++) {
        Problem problem =
            throttled.map(new EngineException("model pump v2 failed", null)).orElseThrow();
        assertThat(problem.status()).isEqualTo(500);
        now.addAndGet(100_000_000L); // 100 ms: 50 s in all
      }
      assertThat(log.warnings()).hasSize(1);
      assertThat(log.warnings().getFirst()).contains("inference failed: model pump v2 failed");

      now.addAndGet(AgentFailures.FAILURE_LOG_INTERVAL.toNanos());
      throttled.map(new EngineException("model pump v2 failed", null));

      assertThat(log.warnings()).hasSize(2);
      assertThat(log.warnings().get(1)).contains("499 more like it in the last 60 s");
    }
  }
}
