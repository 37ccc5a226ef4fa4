package dev.verge.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class CronExpressionTest {
  private static ZonedDateTime next(String cron, String after) {
    return CronExpression.parse(cron).next(ZonedDateTime.parse(after));
  }

  @Test
  void every_five_minutes_runs_on_the_next_multiple_of_five() {
    assertThat(next("*/5 * * * *", "2026-03-01T10:07:30Z"))
        .isEqualTo(ZonedDateTime.parse("2026-03-01T10:10Z"));
    assertThat(next("*/5 * * * *", "2026-03-01T10:10:00Z"))
        .isEqualTo(ZonedDateTime.parse("2026-03-01T10:15Z"));
  }

  @Test
  void hours_days_and_months_roll_over() {
    assertThat(next("30 2 * * *", "2026-03-01T03:00Z"))
        .isEqualTo(ZonedDateTime.parse("2026-03-02T02:30Z"));
    assertThat(next("0 0 1 jan *", "2026-03-01T00:00Z"))
        .isEqualTo(ZonedDateTime.parse("2027-01-01T00:00Z"));
    assertThat(next("0 12 29 2 *", "2026-03-01T00:00Z")) // The next 29 February.
        .isEqualTo(ZonedDateTime.parse("2028-02-29T12:00Z"));
  }

  @Test
  void named_weekdays_ranges_lists_and_sunday_as_7() {
    // 2026-03-01 is a Sunday.
    assertThat(next("0 9 * * mon-fri", "2026-03-01T00:00Z"))
        .isEqualTo(ZonedDateTime.parse("2026-03-02T09:00Z"));
    assertThat(next("0 9 * * 7", "2026-03-02T00:00Z"))
        .isEqualTo(ZonedDateTime.parse("2026-03-08T09:00Z"));
    assertThat(next("15,45 8-9 * * *", "2026-03-01T08:20Z"))
        .isEqualTo(ZonedDateTime.parse("2026-03-01T08:45Z"));
  }

  @Test
  void both_day_fields_restricted_run_on_either_as_cron_does() {
    // The 10th (a Tuesday) or any Sunday: Sunday 2026-03-08 comes first.
    assertThat(next("0 0 10 * sun", "2026-03-02T00:00Z"))
        .isEqualTo(ZonedDateTime.parse("2026-03-08T00:00Z"));
  }

  @Test
  void follows_the_zone_it_is_read_in() {
    assertThat(next("0 2 * * *", "2026-03-01T00:00+01:00[Europe/Berlin]"))
        .isEqualTo(ZonedDateTime.parse("2026-03-01T02:00+01:00[Europe/Berlin]"));
  }

  @Test
  void a_bad_field_is_named_with_what_it_accepts() {
    assertThatThrownBy(() -> CronExpression.parse("61 * * * *"))
        .hasMessageContaining("minute")
        .hasMessageContaining("'61'")
        .hasMessageContaining("0 to 59");
    assertThatThrownBy(() -> CronExpression.parse("* * * *"))
        .hasMessageContaining("has 4 fields; it needs 5");
    assertThatThrownBy(() -> CronExpression.parse("0 0 * * funday"))
        .hasMessageContaining("day of week");
    assertThatThrownBy(() -> CronExpression.parse("0 10-2 * * *"))
        .hasMessageContaining("runs backwards");
  }

  @Test
  void an_expression_naming_no_date_is_refused() {
    assertThatThrownBy(() -> CronExpression.parse("0 0 30 2 *")).hasMessageContaining("never runs");
  }
}
