package dev.verge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.cli.demo.Demo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo script end to end: an in-process hub, agents as separate JVMs, a Tribuo model trained,
 * signed, published, deployed, served, upgraded under load and its predictions synced.
 */
class DemoEndToEndTest {

  @Test
  void demo_deploys_serves_upgrades_under_load_and_syncs_every_prediction(@TempDir Path work)
      throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);

    Demo.Result result =
        new Demo(new Demo.Options(3, 20, work.resolve("demo"), false, true), out).run();

    String printed = log.toString(StandardCharsets.UTF_8);
    assertThat(result).as(printed).isInstanceOf(Demo.Result.Completed.class);
    Demo.Result.Completed completed = (Demo.Result.Completed) result;
    assertThat(completed.rows()).hasSize(3);
    for (Demo.Row row : completed.rows()) {
      assertThat(row.activeVersion()).as(row.device()).isEqualTo(2L);
      assertThat(row.failed()).as(row.device()).isZero();
      assertThat(row.served()).as(row.device()).isGreaterThanOrEqualTo(20);
      assertThat(row.synced()).as(row.device()).isEqualTo(row.served());
    }
    assertThat(printed).contains("[11/11] Summary", "SYNCED");
    // Its own folder is removed after a successful run, so a second run starts clean.
    assertThat(Files.exists(work.resolve("demo"))).isFalse();
  }
}
