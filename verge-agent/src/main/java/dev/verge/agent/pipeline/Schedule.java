package dev.verge.agent.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;

/** When a pipeline's cycles run. */
public sealed interface Schedule {
  /** The first instant after {@code last} a cycle is due, in the device's {@code zone}. */
  Instant next(Instant last, ZoneId zone);

  /** Every {@code interval}, counted from the start of the previous cycle. */
  record Every(Duration interval) implements Schedule {
    /** Shorter would spin the thread; a pipeline that wants more readings reads several a cycle. */
    public static final Duration MIN = Duration.ofMillis(10);

    public Every {
      Objects.requireNonNull(interval, "interval");
      if (interval.compareTo(MIN) < 0) {
        throw new IllegalArgumentException(
            "schedule.every must be at least 10ms, got " + interval.toMillis() + "ms");
      }
    }

    @Override
    public Instant next(Instant last, ZoneId zone) {
      return last.plus(interval);
    }
  }

  /** The minutes a five-field cron expression names, read in the device's time zone. */
  record Cron(CronExpression expression) implements Schedule {
    public Cron {
      Objects.requireNonNull(expression, "expression");
    }

    @Override
    public Instant next(Instant last, ZoneId zone) {
      return expression.next(last.atZone(zone)).toInstant();
    }
  }
}
