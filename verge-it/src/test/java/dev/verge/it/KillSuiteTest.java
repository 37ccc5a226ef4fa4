package dev.verge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kill -9 suite's CI form (docs/reliability.md); {@code ./verge faults kill} is the long one.
 */
class KillSuiteTest {
  @TempDir Path root;

  @Test
  void twenty_kills_while_ingesting_downloading_and_activating_lose_and_duplicate_nothing()
      throws Exception {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    KillSuite.Report report =
        KillSuite.run(
            root,
            new KillSuite.Options(20, 20261202L, 1 << 20),
            new PrintStream(progress, true, StandardCharsets.UTF_8));
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    report.print(new PrintStream(text, true, StandardCharsets.UTF_8));
    String summary =
        text.toString(StandardCharsets.UTF_8) + progress.toString(StandardCharsets.UTF_8);
    System.out.println(summary);

    assertThat(report.failures()).as(summary).isEmpty();
    assertThat(report.acknowledged()).as(summary).isGreaterThan(100);
    assertThat(report.end().lost()).as(summary).isEmpty();
    assertThat(report.end().duplicated()).as(summary).isEmpty();
    assertThat(report.versionAtEnd()).as(summary).isEqualTo(report.deployed());
    assertThat(report.moments().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(20);
  }
}
