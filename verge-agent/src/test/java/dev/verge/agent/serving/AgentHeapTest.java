package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.http.RawHttp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Body limits fit the agent's real heap: a separate JVM with {@code -Xmx256m} (as {@code verge
 * agent} starts) takes the largest JSON infer body it accepts, refuses 40 MB and a gzip bomb with
 * 413, and is still alive and answering after, with no {@link OutOfMemoryError}.
 */
class AgentHeapTest {
  private static final String INFER = "/v2/models/pump/infer";
  private static final long MIB = 1024 * 1024;

  private Process probe;
  private int port;
  private final List<String> output = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    probe =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                HeapProbe.class.getName())
            .redirectErrorStream(true)
            .start();
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = lines.readLine()) != null; ) {
      output.add(line);
      if (line.startsWith("port ")) {
        port = Integer.parseInt(line.substring(5).strip());
        break;
      }
    }
    assertThat(port).as("the probe's output: %s", output).isPositive();
    Thread drain =
        new Thread(
            () -> {
              try {
                for (String line; (line = lines.readLine()) != null; ) {
                  output.add(line);
                }
              } catch (IOException e) {
                // The probe ended.
              }
            });
    drain.setDaemon(true);
    drain.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    probe.destroy();
    if (!probe.waitFor(10, TimeUnit.SECONDS)) {
      probe.destroyForcibly();
    }
  }

  @Test
  void json_bodies_up_to_the_limit_are_read_and_larger_ones_are_413_without_running_out_of_heap()
      throws IOException {
    // 7 MiB, near the JSON limit at -Xmx256m (1/32 of what the JVM reports as its heap, a little
    // under 8 MiB), of numbers too large for Jackson's cached nodes: parsed into a tree of ~2.4
    // million nodes, then refused by shape.
    RawHttp.Reply largest =
        RawHttp.send(port, "POST", INFER, Map.of(), InferenceEdgeTest.jsonInfer(7 * MIB, ",11"));
    RawHttp.Reply huge =
        RawHttp.send(port, "POST", INFER, Map.of(), InferenceEdgeTest.jsonInfer(40 * MIB));
    RawHttp.Reply bomb =
        RawHttp.send(
            port,
            "POST",
            INFER,
            Map.of("Content-Encoding", "gzip"),
            InferenceEdgeTest.gzip(InferenceEdgeTest.jsonInfer(48 * MIB)));
    RawHttp.Reply after = RawHttp.send(port, "GET", "/v2/health/live", Map.of(), new byte[0]);

    assertThat(largest.status()).as("%s", largest).isEqualTo(400);
    assertThat(largest.body()).contains("\"code\":\"BAD_REQUEST\"");
    assertThat(huge.status()).isEqualTo(413);
    assertThat(bomb.status()).isEqualTo(413);
    assertThat(after.status()).isEqualTo(200);
    assertThat(probe.isAlive()).isTrue();
    assertThat(output).noneMatch(line -> line.contains("OutOfMemoryError"));
  }
}
