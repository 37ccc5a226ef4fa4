package dev.verge.agent.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A condition on a prediction's outputs and the actions it fires, e.g. {@code output[1] > 0.8}:
 * element 1 (row-major, of the first row) of the output named {@code output} above 0.8. Several
 * comparisons may be joined with {@code and}.
 *
 * @param name the rule's name, shown in events; the condition when not named
 * @param when the comparisons, all of which must hold
 * @param actions what fires, in order
 * @param cooldown after firing, matches within this are counted, not fired; zero fires each time
 */
public record Rule(String name, List<Comparison> when, List<Action> actions, Duration cooldown) {
  private static final Pattern COMPARISON =
      Pattern.compile(
          "\\s*([A-Za-z_][A-Za-z0-9_.:/-]*)\\s*(?:\\[\\s*(\\d{1,9})\\s*])?\\s*(>=|<=|==|!=|>|<)\\s*"
              + "([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)\\s*");

  /** How an element is compared. */
  public enum Operator {
    GT(">"),
    GE(">="),
    LT("<"),
    LE("<="),
    EQ("=="),
    NE("!=");

    private final String symbol;

    Operator(String symbol) {
      this.symbol = symbol;
    }

    static Operator of(String symbol) {
      for (Operator op : values()) {
        if (op.symbol.equals(symbol)) {
          return op;
        }
      }
      throw new IllegalArgumentException("unknown operator " + symbol);
    }

    boolean holds(double value, double threshold) {
      return switch (this) {
        case GT -> value > threshold;
        case GE -> value >= threshold;
        case LT -> value < threshold;
        case LE -> value <= threshold;
        case EQ -> value == threshold;
        case NE -> value != threshold;
      };
    }

    @Override
    public String toString() {
      return symbol;
    }
  }

  /** {@code output[index] op threshold}. */
  public record Comparison(String output, int index, Operator operator, double threshold) {
    public Comparison {
      Objects.requireNonNull(output, "output");
      Objects.requireNonNull(operator, "operator");
      if (index < 0) {
        throw new IllegalArgumentException("an output index must be 0 or more, got " + index);
      }
    }

    public boolean holds(double value) {
      return operator.holds(value, threshold);
    }

    @Override
    public String toString() {
      return output + "[" + index + "] " + operator + " " + threshold;
    }
  }

  public Rule {
    when = List.copyOf(Objects.requireNonNull(when, "when"));
    actions = List.copyOf(Objects.requireNonNull(actions, "actions"));
    if (when.isEmpty()) {
      throw new IllegalArgumentException("when needs a condition such as 'output[1] > 0.8'");
    }
    if (actions.isEmpty()) {
      throw new IllegalArgumentException("then needs at least one action");
    }
    cooldown = cooldown == null ? Duration.ZERO : cooldown;
    if (cooldown.isNegative()) {
      throw new IllegalArgumentException("cooldown must not be negative, got " + cooldown);
    }
    if (name == null || name.isBlank()) {
      name = String.join(" and ", when.stream().map(Comparison::toString).toList());
    }
  }

  /**
   * Parses {@code output[1] > 0.8 and score[0] <= 3}.
   *
   * @throws IllegalArgumentException saying what does not read as a comparison
   */
  public static List<Comparison> parse(String condition) {
    Objects.requireNonNull(condition, "condition");
    List<Comparison> comparisons = new ArrayList<>();
    for (String part : condition.split("(?i)\\s+and\\s+")) {
      Matcher m = COMPARISON.matcher(part);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "'"
                + part.strip()
                + "' is not a comparison such as 'output[1] > 0.8' (an output's name, an element"
                + " index, one of > >= < <= == !=, a number)");
      }
      comparisons.add(
          new Comparison(
              m.group(1),
              m.group(2) == null ? 0 : Integer.parseInt(m.group(2)),
              Operator.of(m.group(3)),
              Double.parseDouble(m.group(4).toLowerCase(Locale.ROOT))));
    }
    return comparisons;
  }
}
