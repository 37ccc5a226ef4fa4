package dev.verge.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FormatVersionTest {
  @Test
  void parses_major_and_minor() {
    assertThat(FormatVersion.parse("1.0")).isEqualTo(new FormatVersion(1, 0));
    assertThat(FormatVersion.parse("1.17")).isEqualTo(new FormatVersion(1, 17));
    assertThat(FormatVersion.parse("12.3")).isEqualTo(new FormatVersion(12, 3));
  }

  @Test
  void prints_as_it_parses() {
    assertThat(FormatVersion.parse("2.5")).hasToString("2.5");
    assertThat(FormatVersion.CURRENT).hasToString("1.1");
  }

  @Test
  void reads_every_minor_of_the_current_major_only() {
    assertThat(FormatVersion.parse("1.0").isReadable()).isTrue();
    assertThat(FormatVersion.parse("1.9").isReadable()).isTrue();
    assertThat(FormatVersion.parse("2.0").isReadable()).isFalse();
    assertThat(FormatVersion.parse("0.9").isReadable()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1", "1.", ".1", "1.0.0", "v1.0", "1.x", "-1.0", " 1.0", "12345.0"})
  void rejects_text_that_is_not_major_dot_minor(String text) {
    assertThatThrownBy(() -> FormatVersion.parse(text))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("got " + text)
        .satisfies(
            e ->
                assertThat(((BundleException) e).problem())
                    .isEqualTo(BundleProblem.INVALID_MANIFEST));
  }

  @Test
  void rejects_missing_version() {
    assertThatThrownBy(() -> FormatVersion.parse(null))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("got nothing");
  }
}
