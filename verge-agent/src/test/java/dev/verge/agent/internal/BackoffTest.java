package dev.verge.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final Backoff NO_JITTER =
      new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(15), () -> 0.5);

  @Test
  void the_wait_doubles_per_failure_up_to_the_cap() {
    assertThat(NO_JITTER.delay(0)).isZero();
    assertThat(NO_JITTER.delay(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(NO_JITTER.delay(2)).isEqualTo(Duration.ofSeconds(20));
    assertThat(NO_JITTER.delay(4)).isEqualTo(Duration.ofSeconds(80));
    assertThat(NO_JITTER.delay(7)).isEqualTo(Duration.ofMinutes(10).plusSeconds(40));
    assertThat(NO_JITTER.delay(8)).isEqualTo(Duration.ofMinutes(15));
    assertThat(NO_JITTER.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void jitter_spreads_each_wait_by_a_fifth_either_way() {
    Backoff low = new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(1), () -> 0.0);
    Backoff high = new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(1), () -> 0.999_999);
    assertThat(low.delay(1)).isEqualTo(Duration.ofSeconds(8));
    assertThat(high.delay(1)).isEqualTo(Duration.ofSeconds(12));
    assertThat(high.delay(30)).isEqualTo(Duration.ofSeconds(72));
    Backoff real = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(4));
    for (int i = 0; i < 1_000; i++) {
      assertThat(real.delay(2).toMillis()).isBetween(1_600L, 2_400L);
    }
  }

  @Test
  void tries_count_failures_in_a_row_until_reset() {
    Backoff.Tries tries = NO_JITTER.tries();
    assertThat(tries.failed()).isEqualTo(Duration.ofSeconds(10));
    assertThat(tries.failed()).isEqualTo(Duration.ofSeconds(20));
    assertThat(tries.failures()).isEqualTo(2);
    tries.reset();
    assertThat(tries.failures()).isZero();
    assertThat(tries.failed()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void a_cap_below_the_first_wait_or_a_zero_wait_is_refused() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("below its first");
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }
}
