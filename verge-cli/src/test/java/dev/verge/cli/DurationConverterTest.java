package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class DurationConverterTest {
  final DurationConverter converter = new DurationConverter();

  @ParameterizedTest
  @CsvSource({"500ms, PT0.5S", "5s, PT5S", "2m, PT2M", "1h, PT1H", "0s, PT0S", "' 90s ', PT1M30S"})
  void reads_durations_as_people_write_them(String text, Duration expected) {
    assertThat(converter.convert(text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"5 minutes", "5", "1.5h", "-5s", "5S", "1d", "", "PT5S"})
  void refuses_other_spellings_with_a_message_showing_how_to_write_one(String text) {
    assertThatThrownBy(() -> converter.convert(text))
        .isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessage("'" + text + "' is not a duration: write e.g. 500ms, 5s, 2m or 1h");
  }
}
