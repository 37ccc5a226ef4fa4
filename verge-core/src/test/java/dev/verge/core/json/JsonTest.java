package dev.verge.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class JsonTest {
  record Reading(String sensor, double value, Instant at, String note) {}

  @Test
  void reads_and_writes_records_with_iso_instants_and_without_nulls() {
    Reading reading = new Reading("temp", 21.5, Instant.parse("2025-01-02T03:04:05Z"), null);

    String json = Json.writeString(reading);

    assertThat(json)
        .isEqualTo("{\"sensor\":\"temp\",\"value\":21.5,\"at\":\"2025-01-02T03:04:05Z\"}");
    assertThat(Json.read(json.getBytes(StandardCharsets.UTF_8), Reading.class)).isEqualTo(reading);
  }

  @Test
  void ignores_unknown_fields() {
    Reading reading =
        Json.read(
            "{\"sensor\":\"temp\",\"value\":1,\"addedLater\":{\"x\":1}}".getBytes(), Reading.class);

    assertThat(reading.sensor()).isEqualTo("temp");
  }

  @Test
  void malformed_json_is_reported_with_line_and_column() {
    byte[] text = "{\n  \"sensor\": \"temp\",\n  \"value\": ,\n}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> Json.read(text, Reading.class))
        .isInstanceOf(JsonFormatException.class)
        .hasMessageStartingWith("malformed JSON at line 3, column 12");
  }

  @Test
  void wrong_type_is_reported_with_line_and_column() {
    byte[] text = "{\"sensor\": \"temp\",\n \"value\": \"hot\"}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> Json.read(text, Reading.class))
        .isInstanceOf(JsonFormatException.class)
        .hasMessageContaining("at line 2")
        .hasMessageContaining("hot");
  }

  @Test
  void truncated_json_is_malformed() {
    assertThatThrownBy(() -> Json.read("{\"sensor\": \"te".getBytes(), Reading.class))
        .isInstanceOf(JsonFormatException.class)
        .hasMessageContaining("malformed JSON at line 1");
  }

  @Test
  void json_null_is_refused_for_a_record() {
    assertThatThrownBy(() -> Json.read("null".getBytes(), Reading.class))
        .isInstanceOf(JsonFormatException.class)
        .hasMessageContaining("Reading")
        .hasMessageContaining("null");
  }

  @Test
  void empty_body_is_refused() {
    assertThatThrownBy(() -> Json.read(new byte[0], Reading.class))
        .isInstanceOf(JsonFormatException.class);
    assertThatThrownBy(() -> Json.tree(new byte[0]))
        .isInstanceOf(JsonFormatException.class)
        .hasMessageContaining("empty body");
  }

  @Test
  void pretty_prints_on_several_lines() {
    assertThat(Json.pretty(new Reading("t", 1, null, null))).contains("\n").contains("\"sensor\"");
  }
}
