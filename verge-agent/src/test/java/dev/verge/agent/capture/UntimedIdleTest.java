package dev.verge.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.Eventually;
import dev.verge.agent.store.Counters;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer of an agent asleep between pipeline cycles: no timed wake-up while idle. */
class UntimedIdleTest {
  private static final List<Tensor> OUTPUTS =
      List.of(new Tensor("p", DataType.FP32, new long[] {1, 2}, new float[] {0.25f, 0.75f}));

  @TempDir Path dir;
  private SqliteAgentStore store;

  @BeforeEach
  void open() {
    store = SqliteAgentStore.open(dir.resolve("agent.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static void serve(PredictionCapture capture, String id) {
    capture.served("pump", 1, id, Instant.now(), 42, List.of(), OUTPUTS);
  }

  @Test
  void an_idle_writer_waits_with_no_time_out_and_still_writes_every_record_and_closes() {
    PredictionCapture capture =
        PredictionCapture.start(store, CaptureConfig.defaults(), new CountingMetrics(), true);
    try {
      Eventually.await(
          "the idle writer waits untimed",
          () -> capture.writer().getState() == Thread.State.WAITING);
      serve(capture, "a");
      serve(capture, "b");
      assertThat(capture.drain(Duration.ofSeconds(10))).isTrue();
      assertThat(store.counters()).isEqualTo(new Counters(2, 0, 2));
      Eventually.await(
          "idle again, untimed", () -> capture.writer().getState() == Thread.State.WAITING);
      serve(capture, "c");
    } finally {
      capture.close();
    }
    // close() woke the untimed wait: the writer ended, with the last record written.
    assertThat(capture.writer().isAlive()).isFalse();
    assertThat(store.counters()).isEqualTo(new Counters(3, 0, 3));
  }

  @Test
  void the_writer_of_an_agent_that_does_not_sleep_polls_on_its_timer_when_idle() {
    PredictionCapture capture =
        PredictionCapture.start(store, CaptureConfig.defaults(), new CountingMetrics(), false);
    try {
      Eventually.await(
          "the idle writer polls with a time-out",
          () -> capture.writer().getState() == Thread.State.TIMED_WAITING);
    } finally {
      capture.close();
    }
  }
}
