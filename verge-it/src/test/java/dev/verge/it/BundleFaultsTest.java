package dev.verge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-bundle suite's CI form (docs/reliability.md), one round of every scenario; {@code ./verge
 * faults bundles} is the long one.
 */
class BundleFaultsTest {
  @TempDir Path root;

  @Test
  void
      oversized_stalled_unloadable_crashing_and_failing_versions_leave_the_loop_alive_and_roll_back()
          throws Exception {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    BundleFaults.Report report =
        BundleFaults.run(
            root, 1, 20261202L, new PrintStream(progress, true, StandardCharsets.UTF_8));
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    report.print(new PrintStream(text, true, StandardCharsets.UTF_8));
    String summary =
        text.toString(StandardCharsets.UTF_8) + progress.toString(StandardCharsets.UTF_8);
    System.out.println(summary);

    assertThat(report.outcomes())
        .as(summary)
        .hasSize(BundleFaults.Scenario.values().length)
        .allSatisfy(o -> assertThat(o.failures()).as(o.scenario() + "\n" + summary).isEmpty())
        .allSatisfy(o -> assertThat(o.integrity()).as(o.scenario()).isEqualTo("ok"));
    assertThat(report.failures()).as(summary).isEmpty();
    assertThat(report.kills()).as(summary).isEqualTo(BundleFaults.MAX_RUNS);
    assertThat(report.end().acknowledged()).as(summary).isGreaterThan(100);
    assertThat(report.end().lost()).as(summary).isEmpty();
    assertThat(report.end().duplicated()).as(summary).isEmpty();
    assertThat(report.deviceIntegrity()).isEqualTo("ok");
    assertThat(report.serving()).as(summary).isEqualTo(report.deployed());
    assertThat(report.passed()).as(summary).isTrue();
  }
}
