package dev.verge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network fault suite's CI form (docs/reliability.md); {@code ./verge faults network} is the
 * long one.
 */
class NetworkFaultsTest {
  @TempDir Path root;

  @Test
  void a_minute_of_drops_delays_truncations_stalls_and_resets_loses_duplicates_and_hangs_nothing()
      throws Exception {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    NetworkFaults.Report report =
        NetworkFaults.run(
            root, 60, 20261202L, new PrintStream(progress, true, StandardCharsets.UTF_8));
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    report.print(new PrintStream(text, true, StandardCharsets.UTF_8));
    String summary =
        text.toString(StandardCharsets.UTF_8) + progress.toString(StandardCharsets.UTF_8);
    System.out.println(summary);

    assertThat(report.hub().acknowledged()).as(summary).isGreaterThan(100);
    assertThat(report.hub().lost()).as(summary).isEmpty();
    assertThat(report.hub().duplicated()).as(summary).isEmpty();
    assertThat(report.device().duplicated()).as(summary).isEmpty();
    assertThat(report.deviceIntegrity()).isEqualTo("ok");
    assertThat(report.serving()).as(summary).isEqualTo(report.deployed()).isGreaterThan(1);
    // Every kind of fault had its stretch and broke something.
    assertThat(report.hits())
        .as(summary)
        .allSatisfy(
            (fault, hits) -> {
              if (fault != ChaosProxy.Fault.PASS) {
                assertThat(hits).as(fault.name()).isPositive();
              }
            });
  }
}
