package dev.verge.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.Eventually;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StallWatchTest {

  /**
   * The watch is a background loop: an Error from one check must not leave a download unguarded.
   */
  @Test
  void a_check_that_throws_an_error_does_not_end_the_watch() {
    AtomicBoolean closed = new AtomicBoolean();
    InputStream stream =
        new ByteArrayInputStream(new byte[0]) {
          @Override
          public void close() throws IOException {
            closed.set(true);
          }
        };
    AtomicInteger asked = new AtomicInteger();

    try (StallWatch watch =
        new StallWatch(
            stream,
            Duration.ofMillis(200),
            () -> 0,
            () -> {
              if (asked.incrementAndGet() == 1) {
                throw new StackOverflowError("one check broke");
              }
              return false;
            })) {
      Eventually.await("the stalled stream is closed", closed::get);

      assertThat(watch.stalled()).isTrue();
      assertThat(watch.superseded()).isFalse();
      assertThat(asked.get()).isGreaterThan(1);
    }
  }
}
