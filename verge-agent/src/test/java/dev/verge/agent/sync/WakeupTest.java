package dev.verge.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WakeupTest {
  private final Wakeup wakeup = new Wakeup();

  @Test
  void a_wake_during_a_cycle_is_not_lost() throws Exception {
    wakeup.wake(); // Comes while the loop is busy, before it sleeps.

    long started = System.nanoTime();
    assertThat(wakeup.sleep(Duration.ofMinutes(5))).isTrue();

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void many_wakes_before_a_sleep_count_as_one() throws Exception {
    wakeup.wake();
    wakeup.wake();
    wakeup.wake();

    assertThat(wakeup.sleep(Duration.ofMinutes(5))).isTrue();
    assertThat(wakeup.sleep(Duration.ofMillis(50))).isFalse();
  }

  @Test
  void the_timeout_ends_a_sleep_without_a_wake() throws Exception {
    long started = System.nanoTime();

    assertThat(wakeup.sleep(Duration.ofMillis(100))).isFalse();

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(100));
  }

  @Test
  void a_wake_ends_a_sleep_under_way() throws Exception {
    CountDownLatch sleeping = new CountDownLatch(1);
    CompletableFuture<Boolean> woken =
        CompletableFuture.supplyAsync(
            () -> {
              sleeping.countDown();
              try {
                return wakeup.sleep(Duration.ofMinutes(5));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    sleeping.await();
    Thread.sleep(50);

    wakeup.wake();

    assertThat(woken.get(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void clear_drops_a_wake_the_next_cycle_covers() throws Exception {
    wakeup.wake();

    wakeup.clear();

    assertThat(wakeup.sleep(Duration.ofMillis(50))).isFalse();
  }

  @Test
  void an_interrupt_ends_a_sleep() throws Exception {
    Thread sleeper =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    wakeup.sleep(Duration.ofMinutes(5));
                  } catch (InterruptedException expected) {
                    // The loop closes.
                  }
                });
    Thread.sleep(50);

    sleeper.interrupt();

    assertThat(sleeper.join(Duration.ofSeconds(5))).isTrue();
  }
}
