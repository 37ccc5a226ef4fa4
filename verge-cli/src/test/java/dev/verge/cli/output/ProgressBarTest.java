package dev.verge.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProgressBarTest {
  final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void off_a_terminal_prints_one_line_at_each_quarter_only() {
    ProgressBar bar = new ProgressBar("upload b.vbundle", 400, out, false);

    for (long done = 0; done <= 400; done++) {
      bar.accept(done);
    }

    List<String> lines = printed().lines().toList();
    assertThat(lines.stream().map(line -> line.replaceAll(".*\\] +(\\d+)%.*", "$1")))
        .containsExactly("0", "25", "50", "75", "100");
    assertThat(lines.getFirst())
        .isEqualTo("upload b.vbundle [                              ]   0% 0 B / 400 B");
    assertThat(lines.get(2))
        .isEqualTo("upload b.vbundle [###############               ]  50% 200 B / 400 B");
    assertThat(lines.getLast())
        .isEqualTo("upload b.vbundle [##############################] 100% 400 B / 400 B");
    assertThat(printed()).doesNotContain("\r");
  }

  @Test
  void off_a_terminal_a_jump_past_several_quarters_prints_only_a_quarter_it_lands_on() {
    ProgressBar bar = new ProgressBar("download", 1000, out, false);

    bar.accept(333);
    bar.accept(1000);

    assertThat(printed().lines()).hasSize(1).first().asString().contains("100%");
  }

  @Test
  void the_same_percentage_is_printed_once() {
    ProgressBar bar = new ProgressBar("x", 100, out, false);

    bar.accept(100);
    bar.accept(100);

    assertThat(printed().lines()).hasSize(1);
  }

  @Test
  void on_a_terminal_redraws_one_line_per_percent_and_ends_it_at_100() {
    ProgressBar bar = new ProgressBar("x", 100, out, true);

    for (long done = 0; done <= 100; done++) {
      bar.accept(done);
    }

    assertThat(printed()).startsWith("\rx [").endsWith("100% 100 B / 100 B\n");
    assertThat(printed().split("\r", -1)).hasSize(102);
    assertThat(printed().chars().filter(c -> c == '\n')).hasSize(1);
  }

  @Test
  void on_a_terminal_a_shorter_line_blanks_what_the_longer_one_before_it_left() {
    ProgressBar bar = new ProgressBar("x", 2 * 1024 * 1024, out, true);

    bar.accept(1024 * 1024 - 1024); // "1023.0 KiB / 2.0 MiB"
    bar.accept(1024 * 1024 + 1024 * 50); // "1.0 MiB / 2.0 MiB": 3 characters shorter

    String[] redraws = printed().split("\r", -1);
    assertThat(redraws[1]).endsWith("1023.0 KiB / 2.0 MiB");
    assertThat(redraws[2]).endsWith("1.0 MiB / 2.0 MiB   ").hasSameSizeAs(redraws[1]);
  }

  @Test
  void closing_a_bar_that_stopped_short_ends_its_line_on_a_terminal() {
    ProgressBar bar = new ProgressBar("upload", 100, out, true);

    bar.accept(40);
    bar.close();
    bar.close();

    assertThat(printed()).endsWith("40% 40 B / 100 B\n");
    assertThat(printed().chars().filter(c -> c == '\n')).hasSize(1);
  }

  @Test
  void closing_a_finished_or_unused_bar_prints_nothing_more() {
    ProgressBar done = new ProgressBar("x", 100, out, true);
    done.accept(100);
    done.close();
    new ProgressBar("y", 100, out, true).close();

    assertThat(printed()).endsWith("100% 100 B / 100 B\n");
    assertThat(printed().chars().filter(c -> c == '\n')).hasSize(1);
  }

  @Test
  void more_than_the_total_is_shown_as_the_total() {
    ProgressBar bar = new ProgressBar("x", 2048, out, false);

    bar.accept(4096);

    assertThat(printed()).isEqualTo("x [##############################] 100% 2.0 KiB / 2.0 KiB\n");
  }

  @Test
  void an_empty_total_does_not_divide_by_zero() {
    ProgressBar bar = new ProgressBar("x", 0, out, false);

    bar.accept(0);

    assertThat(printed()).contains("0%");
  }

  @ParameterizedTest
  @CsvSource({
    "0, 0 B",
    "1023, 1023 B",
    "1024, 1.0 KiB",
    "1536, 1.5 KiB",
    "1048576, 1.0 MiB",
    "5767168, 5.5 MiB"
  })
  void formats_byte_counts_in_binary_units(long count, String expected) {
    assertThat(ProgressBar.bytes(count)).isEqualTo(expected);
  }
}
