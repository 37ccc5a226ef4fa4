package dev.verge.core.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One health condition a rollout wave must meet before the next wave starts, read from what the
 * wave's devices report for the deployed version: {@code error_rate < 0.01}.
 *
 * <p>Metrics: {@code install_success} and {@code error_rate} (ratios from 0 to 1), {@code
 * p50_latency_ms}, {@code p95_latency_ms}, {@code p99_latency_ms}, and {@code mean:<output>[<col>]}
 * for the mean of an output column ({@link VersionStats#outputMeans}).
 */
public record Gate(String metric, Op op, double threshold) {
  private static final Pattern METRIC =
      Pattern.compile(
          "install_success|error_rate|p(50|95|99)_latency_ms|mean:[A-Za-z0-9_.:/-]{1,64}\\[[0-7]]");
  private static final Pattern CONDITION =
      Pattern.compile("\\s*([^<>=!\\s]+)\\s*(<=|>=|<|>)\\s*([-+0-9.eE]+)(%?)\\s*");

  public Gate {
    if (metric == null || !METRIC.matcher(metric).matches()) {
      throw new IllegalArgumentException(
          "unknown gate metric '"
              + metric
              + "'; use install_success, error_rate, p50_latency_ms, p95_latency_ms,"
              + " p99_latency_ms or mean:<output>[<column>]");
    }
    if (op == null) {
      throw new IllegalArgumentException("gate on " + metric + " needs an operator: < <= > >=");
    }
    if (!Double.isFinite(threshold)) {
      throw new IllegalArgumentException("gate on " + metric + " needs a finite threshold");
    }
  }

  /** Whether {@code observed} meets the condition. */
  public boolean passes(double observed) {
    return switch (op) {
      case LT -> observed < threshold;
      case LE -> observed <= threshold;
      case GT -> observed > threshold;
      case GE -> observed >= threshold;
    };
  }

  /** Whether the metric is a ratio, written as a percentage in {@link #toString}. */
  public boolean measuresRatio() {
    return metric.equals("install_success") || metric.equals("error_rate");
  }

  /** As {@link #parseList} reads it: {@code error_rate<1%}. */
  @Override
  public String toString() {
    String value = measuresRatio() ? trim(threshold * 100) + "%" : trim(threshold);
    return metric + op.symbol + value;
  }

  private static String trim(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15
        ? Long.toString((long) d)
        : String.format(Locale.ROOT, "%s", d);
  }

  /**
   * Reads comma-separated conditions such as {@code error_rate<1%,p95_latency_ms<20,
   * install_success>=99%}; a {@code %} divides by 100.
   *
   * @throws IllegalArgumentException naming the condition that cannot be read
   */
  public static List<Gate> parseList(String text) {
    List<Gate> gates = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return gates;
    }
    for (String part : text.split(",", -1)) {
      Matcher m = CONDITION.matcher(part);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "cannot read gate '"
                + part.strip()
                + "': expected <metric><op><number>[%], e.g. error_rate<1% or p95_latency_ms<=20");
      }
      double value;
      try {
        value = Double.parseDouble(m.group(3));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "cannot read gate '" + part.strip() + "': '" + m.group(3) + "' is not a number", e);
      }
      if (!m.group(4).isEmpty()) {
        value /= 100;
      }
      gates.add(new Gate(m.group(1), Op.of(m.group(2)), value));
    }
    return gates;
  }

  /** A comparison. */
  public enum Op {
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">=");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    static Op of(String symbol) {
      for (Op op : values()) {
        if (op.symbol.equals(symbol)) {
          return op;
        }
      }
      throw new IllegalArgumentException("unknown comparison '" + symbol + "'");
    }
  }
}
