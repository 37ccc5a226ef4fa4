package dev.verge.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoggingTest {
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
  private final System.Logger log = System.getLogger("dev.verge.test.LoggingTest");

  @TempDir Path dir;

  @AfterEach
  void restore() {
    Logging.configure(LogFormat.TEXT, LogLevel.INFO);
  }

  private void configure(LogFormat format, LogLevel level) {
    Logging.configure(format, level, () -> out);
  }

  private List<String> lines() {
    return buffer.toString(StandardCharsets.UTF_8).lines().toList();
  }

  private List<JsonNode> records() {
    return lines().stream().map(line -> Json.tree(line.getBytes(StandardCharsets.UTF_8))).toList();
  }

  @Test
  void json_is_one_object_a_line_with_timestamp_level_logger_message_thread_and_exception() {
    configure(LogFormat.JSON, LogLevel.INFO);
    Instant before = Instant.now();

    log.log(System.Logger.Level.INFO, "model {0} v{1} active", "pump", "2");
    log.log(
        System.Logger.Level.ERROR, "cannot install\nsecond line", new IllegalStateException("bad"));

    List<JsonNode> records = records();
    assertThat(records).hasSize(2);
    JsonNode info = records.get(0);
    assertThat(info.path("level").asText()).isEqualTo("INFO");
    assertThat(info.path("logger").asText()).isEqualTo("dev.verge.test.LoggingTest");
    assertThat(info.path("message").asText()).isEqualTo("model pump v2 active");
    assertThat(info.path("thread").asText()).isEqualTo(Thread.currentThread().getName());
    assertThat(Instant.parse(info.path("timestamp").asText())).isAfterOrEqualTo(before);
    assertThat(info.has("exception")).isFalse();
    JsonNode error = records.get(1);
    assertThat(error.path("level").asText()).isEqualTo("ERROR");
    assertThat(error.path("message").asText()).isEqualTo("cannot install\nsecond line");
    assertThat(error.path("exception").asText())
        .startsWith("java.lang.IllegalStateException: bad")
        .contains("\tat dev.verge.cli.logging.LoggingTest");
  }

  @Test
  void text_stays_one_line_a_record() {
    configure(LogFormat.TEXT, LogLevel.INFO);

    log.log(System.Logger.Level.WARNING, "hub {0} unreachable", "http://h");

    assertThat(lines())
        .singleElement()
        .asString()
        .matches(
            "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d WARNING dev.verge.test.LoggingTest: hub"
                + " http://h unreachable");
  }

  @Test
  void configuring_again_replaces_the_handler_so_no_record_is_printed_twice() {
    configure(LogFormat.TEXT, LogLevel.INFO);
    configure(LogFormat.JSON, LogLevel.INFO);
    configure(LogFormat.JSON, LogLevel.INFO);

    log.log(System.Logger.Level.INFO, "once");

    assertThat(records())
        .singleElement()
        .satisfies(r -> assertThat(r.path("message").asText()).isEqualTo("once"));
  }

  @Test
  void the_level_hides_less_severe_records() {
    configure(LogFormat.JSON, LogLevel.WARN);

    log.log(System.Logger.Level.INFO, "hidden");
    log.log(System.Logger.Level.DEBUG, "hidden too");
    log.log(System.Logger.Level.WARNING, "shown");

    assertThat(records()).extracting(r -> r.path("message").asText()).containsExactly("shown");
  }

  @Test
  void a_hub_start_logs_json_lines_without_flyway_chatter_no_line_twice_and_no_secret()
      throws IOException {
    configure(LogFormat.JSON, LogLevel.INFO);

    String token;
    try (Hub hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0))) {
      token = hub.adminToken();
    }

    List<String> lines = lines();
    List<JsonNode> records = records();
    assertThat(lines).doesNotHaveDuplicates();
    assertThat(records)
        .extracting(r -> r.path("logger").asText())
        .noneMatch(logger -> logger.startsWith("org.flywaydb"));
    assertThat(records)
        .extracting(r -> r.path("message").asText())
        .anyMatch(m -> m.startsWith("Verge hub listening on http://127.0.0.1:"));
    assertThat(String.join("\n", lines)).doesNotContain(token);
    assertThat(Files.readString(dir.resolve("hub").resolve("admin.token")).strip())
        .isEqualTo(token);
  }

  @Test
  void flyway_start_up_chatter_shows_at_debug_as_debug() {
    configure(LogFormat.JSON, LogLevel.DEBUG);

    try (Hub hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0))) {
      assertThat(hub.port()).isPositive();
    }

    assertThat(records())
        .filteredOn(r -> r.path("logger").asText().startsWith("org.flywaydb"))
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.path("level").asText()).isEqualTo("DEBUG"));
  }
}
