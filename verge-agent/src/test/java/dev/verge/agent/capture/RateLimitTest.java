package dev.verge.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitTest {
  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(42 * SECOND);

  private int admitted(RateLimit limit, int tries) {
    int n = 0;
    for (int i = 0; i < tries; i++) {
      n += limit.admit() ? 1 : 0;
    }
    return n;
  }

  @Test
  void a_burst_of_one_seconds_worth_then_the_rate() {
    RateLimit limit = new RateLimit(100, now::get);

    assertThat(admitted(limit, 1000)).isEqualTo(100);

    now.addAndGet(SECOND / 10);
    assertThat(admitted(limit, 1000)).isEqualTo(10);
    now.addAndGet(SECOND / 100);
    assertThat(admitted(limit, 1000)).isEqualTo(1);
  }

  @Test
  void an_idle_limit_saves_no_more_than_one_burst() {
    RateLimit limit = new RateLimit(100, now::get);
    admitted(limit, 1000);

    now.addAndGet(3600 * SECOND);

    assertThat(admitted(limit, 1000)).isEqualTo(100);
  }

  @Test
  void concurrent_callers_share_the_rate_exactly() {
    RateLimit limit = new RateLimit(5000, now::get);
    AtomicInteger admitted = new AtomicInteger();
    List<CompletableFuture<Void>> callers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      callers.add(CompletableFuture.runAsync(() -> admitted.addAndGet(admitted(limit, 10_000))));
    }
    callers.forEach(CompletableFuture::join);

    assertThat(admitted.get()).isEqualTo(5000);
  }

  @Test
  void a_rate_below_one_is_refused() {
    assertThatThrownBy(() -> new RateLimit(0, now::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 0");
  }
}
