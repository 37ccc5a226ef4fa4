package dev.verge.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class TestClockTest {
  @Test
  void a_view_in_another_zone_moves_with_the_clock() {
    TestClock clock = new TestClock(Instant.parse("2026-12-01T23:30:00Z"));
    TestClock berlin = clock.withZone(ZoneId.of("Europe/Berlin"));

    clock.advance(Duration.ofMinutes(45));

    assertThat(berlin.instant()).isEqualTo(Instant.parse("2026-12-02T00:15:00Z"));
    assertThat(LocalTime.now(berlin)).isEqualTo(LocalTime.of(1, 15));
    assertThat(LocalTime.now(clock)).isEqualTo(LocalTime.of(0, 15));
  }
}
