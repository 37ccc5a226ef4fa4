package dev.verge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzz suite's short form: a few thousand seeded requests of every kind against every route of
 * a real agent. The long form is {@code ./verge fuzz} ({@link AgentFuzzMain}); its figures are in
 * docs/reliability.md.
 */
class AgentFuzzTest {
  static final long SEED = 20261201L;
  private static final long MIB = 1024 * 1024;
  private static final long REQUESTS = 2_000;

  @TempDir Path root;

  @Test
  void no_fuzzed_request_crashes_the_agent_answers_5xx_or_goes_unanswered() throws Exception {
    try (FuzzedAgent fuzzed = new FuzzedAgent(root)) {
      new AgentFuzz(fuzzed.port(), SEED + 1).run(300, 2, Duration.ofMinutes(1));
      FuzzedAgent.Memory before = FuzzedAgent.Memory.now();

      AgentFuzz.Report report =
          new AgentFuzz(fuzzed.port(), SEED).run(REQUESTS, 4, Duration.ofMinutes(2));
      FuzzedAgent.Memory after = FuzzedAgent.Memory.now();

      assertThat(report.requests()).isEqualTo(REQUESTS);
      assertThat(report.failures()).as("failures (seed %d)", SEED).isEmpty();
      assertThat(report.silentCloses()).as("connections closed without Connection: close").isZero();
      assertThat(report.status(500, 599)).isZero();
      assertThat(report.byKind()).hasSize(14);
      assertThat(report.status(200, 299)).as("valid calls are answered").isPositive();
      assertThat(report.status(400, 499)).as("bad ones refused").isPositive();
      assertThat(after.heapBytes()).isLessThan(before.heapBytes() + 48 * MIB);
      assertThat(fuzzed.validInfer()).isEqualTo(200);
    }
  }
}
