package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.store.StoreException;
import dev.verge.agent.store.StoreFullException;
import dev.verge.http.Problem;
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
  void any_other_store_failure_is_500_naming_the_prediction() {
    Problem problem = failures.map(new StoreException("disk I/O error", null)).orElseThrow();

    assertThat(problem.status()).isEqualTo(500);
    assertThat(problem.message()).contains("cannot record the prediction").contains("disk I/O");
  }

  @Test
  void failures_it_does_not_know_are_left_to_the_layer() {
    assertThat(failures.map(new IllegalStateException("bug"))).isEmpty();
  }
}
