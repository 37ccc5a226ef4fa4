package dev.verge.agent.pipeline;

import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * A five-field cron expression as crontab(5) writes it: minute, hour, day of month, month, day of
 * week; each field {@code *}, a number, a range {@code a-b}, a step {@code *}/n or {@code a-b/n},
 * or a list of these separated by commas; months and days may be named ({@code jan}, {@code mon});
 * day of week 0 and 7 are Sunday. As in cron, when both day fields are restricted a day matching
 * either runs.
 */
public final class CronExpression {
  private static final List<String> MONTHS =
      List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec");
  private static final List<String> DAYS = List.of("sun", "mon", "tue", "wed", "thu", "fri", "sat");

  /** How far ahead {@link #next} looks; an expression that matches nothing within it never does. */
  private static final int YEARS_AHEAD = 5;

  private final String text;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek;
  private final boolean anyDayOfMonth;
  private final boolean anyDayOfWeek;

  private CronExpression(String text, String[] fields) {
    this.text = text;
    minutes = field(fields[0], "minute", 0, 59, List.of());
    hours = field(fields[1], "hour", 0, 23, List.of());
    daysOfMonth = field(fields[2], "day of month", 1, 31, List.of());
    months = field(fields[3], "month", 1, 12, MONTHS);
    BitSet week = field(fields[4], "day of week", 0, 7, DAYS);
    if (week.get(7)) {
      week.set(0);
      week.clear(7);
    }
    daysOfWeek = week;
    anyDayOfMonth = fields[2].startsWith("*");
    anyDayOfWeek = fields[4].startsWith("*");
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the field that is wrong, or saying that it never runs
   */
  public static CronExpression parse(String text) {
    String[] fields = text.strip().split("\\s+");
    if (fields.length != 5) {
      throw new IllegalArgumentException(
          "cron '"
              + text
              + "' has "
              + fields.length
              + " fields; it needs 5: minute hour day-of-month month day-of-week");
    }
    CronExpression cron = new CronExpression(text.strip(), fields);
    if (cron.find(ZonedDateTime.parse("2024-01-01T00:00Z")) == null) {
      throw new IllegalArgumentException("cron '" + text + "' never runs (no such date)");
    }
    return cron;
  }

  /** The first minute after {@code after} that the expression names. */
  public ZonedDateTime next(ZonedDateTime after) {
    ZonedDateTime found = find(after);
    if (found == null) {
      throw new IllegalStateException("cron '" + text + "' never runs");
    }
    return found;
  }

  private ZonedDateTime find(ZonedDateTime after) {
    ZonedDateTime t = after.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    ZonedDateTime limit = after.plusYears(YEARS_AHEAD);
    while (t.isBefore(limit)) {
      if (!months.get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
      } else if (!dayMatches(t)) {
        t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
      } else if (!hours.get(t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
      } else if (!minutes.get(t.getMinute())) {
        t = t.plusMinutes(1);
      } else {
        return t;
      }
    }
    return null;
  }

  private boolean dayMatches(ZonedDateTime t) {
    boolean month = daysOfMonth.get(t.getDayOfMonth());
    boolean week = daysOfWeek.get(t.getDayOfWeek().getValue() % 7);
    if (anyDayOfMonth || anyDayOfWeek) {
      return month && week;
    }
    return month || week;
  }

  private static BitSet field(String text, String what, int min, int max, List<String> names) {
    BitSet set = new BitSet(max + 1);
    for (String part : text.split(",", -1)) {
      String range = part;
      int step = 1;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        range = part.substring(0, slash);
        step = number(part.substring(slash + 1), what, 1, max - min + 1, List.of(), text);
      }
      int from;
      int to;
      if (range.equals("*")) {
        from = min;
        to = max;
      } else if (range.indexOf('-') > 0) {
        int dash = range.indexOf('-');
        from = number(range.substring(0, dash), what, min, max, names, text);
        to = number(range.substring(dash + 1), what, min, max, names, text);
        if (to < from) {
          throw new IllegalArgumentException(
              "cron " + what + " '" + text + "': range " + range + " runs backwards");
        }
      } else {
        from = number(range, what, min, max, names, text);
        to = slash >= 0 ? max : from;
      }
      for (int v = from; v <= to; v += step) {
        set.set(v);
      }
    }
    return set;
  }

  private static int number(
      String token, String what, int min, int max, List<String> names, String field) {
    int named = names.indexOf(token.toLowerCase(Locale.ROOT));
    if (named >= 0) {
      return named + (names.size() == 12 ? 1 : 0);
    }
    try {
      int value = Integer.parseInt(token);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new IllegalArgumentException(
        "cron "
            + what
            + " '"
            + field
            + "': '"
            + token
            + "' is not "
            + (names.isEmpty() ? "" : "a name or ")
            + "a number from "
            + min
            + " to "
            + max);
  }

  @Override
  public String toString() {
    return text;
  }
}
