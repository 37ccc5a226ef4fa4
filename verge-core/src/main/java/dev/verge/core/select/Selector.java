package dev.verge.core.select;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Picks devices by their labels, in the Kubernetes label-selector grammar: comma-separated
 * requirements that must all hold.
 *
 * <ul>
 *   <li>{@code k=v} or {@code k==v}: the label is present with that value;
 *   <li>{@code k!=v}: the label is absent or has another value;
 *   <li>{@code k in (a,b)}: the label is present with one of the values;
 *   <li>{@code k notin (a,b)}: the label is absent or has none of the values;
 *   <li>{@code k}: the label is present; {@code !k}: it is absent.
 * </ul>
 *
 * <p>The empty selector matches every device. {@link #toString} is canonical (requirements sorted
 * and deduplicated, sets sorted, a one-value set written as an equality), so two selectors that say
 * the same thing in other words print, store and compare alike, and {@code parse(s.toString())}
 * equals {@code s}.
 */
public final class Selector {
  /** The longest selector text read; longer input is refused before it is parsed. */
  public static final int MAX_LENGTH = 8192;

  private static final Selector EVERYTHING = new Selector(List.of());

  private final List<Requirement> requirements;

  private Selector(List<Requirement> requirements) {
    this.requirements = requirements;
  }

  /** The selector that matches every device. */
  public static Selector everything() {
    return EVERYTHING;
  }

  /**
   * Reads a selector such as {@code site=plant-7, tier in (a,b), !retired}; blank or null text is
   * the selector that matches everything.
   *
   * @throws IllegalArgumentException naming the requirement that cannot be read and the position
   *     (1-based) of the first character that is wrong
   */
  public static Selector parse(String text) {
    if (text == null || text.isBlank()) {
      return EVERYTHING;
    }
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "selector is " + text.length() + " characters long, at most " + MAX_LENGTH + " allowed");
    }
    return of(new Parser(text).requirements());
  }

  /** The selector that holds exactly these pairs, as the old equality selectors did. */
  public static Selector ofPairs(Map<String, String> pairs) {
    if (pairs == null || pairs.isEmpty()) {
      return EVERYTHING;
    }
    List<Requirement> list = new ArrayList<>();
    for (Map.Entry<String, String> pair : pairs.entrySet()) {
      list.add(new Requirement(pair.getKey(), Operator.EQUALS, sortedSet(pair.getValue())));
    }
    return of(list);
  }

  /** The selector made of these requirements (in any order, duplicates allowed). */
  public static Selector of(List<Requirement> requirements) {
    List<Requirement> sorted =
        requirements.stream().map(Requirement::normalized).distinct().sorted(ORDER).toList();
    return sorted.isEmpty() ? EVERYTHING : new Selector(sorted);
  }

  /** Whether {@code labels} meet every requirement; a null map counts as no labels. */
  public boolean matches(Map<String, String> labels) {
    Map<String, String> present = labels == null ? Map.of() : labels;
    for (Requirement requirement : requirements) {
      if (!requirement.matches(present)) {
        return false;
      }
    }
    return true;
  }

  /** The requirements in canonical order. */
  public List<Requirement> requirements() {
    return requirements;
  }

  /** Whether this selector matches every device. */
  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  /** The canonical text: {@code site=plant-7,tier in (a,b)}; empty for the empty selector. */
  @Override
  public String toString() {
    return requirements.stream().map(Requirement::toString).collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Selector that && requirements.equals(that.requirements);
  }

  @Override
  public int hashCode() {
    return requirements.hashCode();
  }

  private static final Comparator<Requirement> ORDER =
      Comparator.comparing(Requirement::key)
          .thenComparing(Requirement::operator)
          .thenComparing(r -> String.join(",", r.values()));

  private static SortedSet<String> sortedSet(String... values) {
    TreeSet<String> set = new TreeSet<>();
    for (String value : values) {
      set.add(value);
    }
    return set;
  }

  /** How a requirement tests a label. */
  public enum Operator {
    EQUALS,
    NOT_EQUALS,
    IN,
    NOT_IN,
    EXISTS,
    NOT_EXISTS;

    boolean takesValues() {
      return this != EXISTS && this != NOT_EXISTS;
    }
  }

  /**
   * One condition on one label.
   *
   * @param values exactly one for EQUALS and NOT_EQUALS, at least one for IN and NOT_IN, none for
   *     EXISTS and NOT_EXISTS
   */
  public record Requirement(String key, Operator operator, SortedSet<String> values) {
    public Requirement {
      Objects.requireNonNull(operator, "operator");
      if (!LabelSyntax.isKey(key)) {
        throw new IllegalArgumentException("selector " + LabelSyntax.keyProblem(key));
      }
      values = values == null ? new TreeSet<>() : new TreeSet<>(values);
      for (String value : values) {
        if (!LabelSyntax.isValue(value)) {
          throw new IllegalArgumentException("selector " + LabelSyntax.valueProblem(key));
        }
        if (!value.chars().allMatch(c -> Parser.isValueChar((char) c))) {
          throw new IllegalArgumentException(
              "selector value '"
                  + value
                  + "' of '"
                  + key
                  + "' cannot hold whitespace or any of ( ) , = !");
        }
      }
      boolean single = operator == Operator.EQUALS || operator == Operator.NOT_EQUALS;
      if (single && values.size() != 1
          || operator.takesValues() && values.isEmpty()
          || !operator.takesValues() && !values.isEmpty()) {
        throw new IllegalArgumentException(
            "selector requirement on '"
                + key
                + "' cannot take "
                + values.size()
                + " values with "
                + operator);
      }
      values = Collections.unmodifiableSortedSet(values);
    }

    /** Whether {@code labels} meet this requirement. */
    public boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case EQUALS, IN -> value != null && values.contains(value);
        case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
        case EXISTS -> value != null;
        case NOT_EXISTS -> value == null;
      };
    }

    /** A one-value set says the same as an equality; the canonical form uses the equality. */
    Requirement normalized() {
      if (values.size() == 1 && operator == Operator.IN) {
        return new Requirement(key, Operator.EQUALS, values);
      }
      if (values.size() == 1 && operator == Operator.NOT_IN) {
        return new Requirement(key, Operator.NOT_EQUALS, values);
      }
      return this;
    }

    @Override
    public String toString() {
      return switch (operator) {
        case EQUALS -> key + "=" + values.first();
        case NOT_EQUALS -> key + "!=" + values.first();
        case IN -> key + " in (" + String.join(",", values) + ")";
        case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
        case EXISTS -> key;
        case NOT_EXISTS -> "!" + key;
      };
    }
  }

  /** A hand-written scanner: the grammar is small and the errors must point at a position. */
  private static final class Parser {
    private final String text;
    private int pos;
    private int start;
    private int index;

    Parser(String text) {
      this.text = text;
    }

    List<Requirement> requirements() {
      List<Requirement> list = new ArrayList<>();
      while (true) {
        skipSpace();
        start = pos;
        index++;
        list.add(requirement());
        skipSpace();
        if (atEnd()) {
          return list;
        }
        if (text.charAt(pos) != ',') {
          throw fail("expected ',' before the next requirement, found '" + text.charAt(pos) + "'");
        }
        pos++;
        skipSpace();
        if (atEnd()) {
          start = pos;
          index++;
          throw fail("expected a requirement after ',', found the end");
        }
      }
    }

    private Requirement requirement() {
      if (peek('!') && !peekAt(pos + 1, '=')) {
        pos++;
        skipSpace();
        String key = key();
        int after = pos;
        skipSpace();
        if (!atEnd() && text.charAt(pos) != ',') {
          pos = after;
          skipSpace();
          throw fail("'!" + key + "' takes no operator or value");
        }
        pos = after;
        return new Requirement(key, Operator.NOT_EXISTS, null);
      }
      String key = key();
      int afterKey = pos;
      skipSpace();
      if (atEnd() || peek(',')) {
        pos = afterKey;
        return new Requirement(key, Operator.EXISTS, null);
      }
      if (text.startsWith("==", pos) || peek('=')) {
        pos += text.startsWith("==", pos) ? 2 : 1;
        return new Requirement(key, Operator.EQUALS, sortedSet(value(key)));
      }
      if (text.startsWith("!=", pos)) {
        pos += 2;
        return new Requirement(key, Operator.NOT_EQUALS, sortedSet(value(key)));
      }
      int wordAt = pos;
      String word = word();
      if (word.equals("in") || word.equals("notin")) {
        SortedSet<String> values = set(key, word);
        return new Requirement(key, word.equals("in") ? Operator.IN : Operator.NOT_IN, values);
      }
      pos = wordAt;
      throw fail(
          "expected =, ==, !=, in, notin, ',' or the end after key '"
              + key
              + "', found '"
              + (word.isEmpty() ? String.valueOf(text.charAt(pos)) : word)
              + "'");
    }

    private String key() {
      int from = pos;
      while (!atEnd() && isKeyChar(text.charAt(pos))) {
        pos++;
      }
      String key = text.substring(from, pos);
      if (key.isEmpty()) {
        throw fail(
            atEnd()
                ? "expected a label key, found the end"
                : "expected a label key, found '" + text.charAt(pos) + "'");
      }
      if (!LabelSyntax.isKey(key)) {
        pos = from;
        throw fail(LabelSyntax.keyProblem(key));
      }
      return key;
    }

    private String value(String key) {
      skipSpace();
      int from = pos;
      while (!atEnd() && isValueChar(text.charAt(pos))) {
        pos++;
      }
      String value = text.substring(from, pos);
      if (!LabelSyntax.isValue(value)) {
        pos = from;
        throw fail(LabelSyntax.valueProblem(key));
      }
      return value;
    }

    private SortedSet<String> set(String key, String word) {
      skipSpace();
      if (!peek('(')) {
        throw fail("expected '(' after '" + key + " " + word + "'");
      }
      pos++;
      SortedSet<String> values = new TreeSet<>();
      while (true) {
        skipSpace();
        int itemAt = pos;
        String value = value(key);
        if (value.isEmpty()) {
          pos = itemAt;
          throw fail(
              atEnd()
                  ? "expected a value and ')' to close the set, found the end"
                  : "expected a value in the set, found '" + text.charAt(pos) + "'");
        }
        values.add(value);
        skipSpace();
        if (atEnd()) {
          throw fail("expected ')' to close the set, found the end");
        }
        char c = text.charAt(pos++);
        if (c == ')') {
          return values;
        }
        if (c != ',') {
          pos--;
          throw fail("expected ',' or ')' in the set, found '" + c + "'");
        }
      }
    }

    private String word() {
      int from = pos;
      while (!atEnd() && Character.isLetter(text.charAt(pos))) {
        pos++;
      }
      return text.substring(from, pos);
    }

    private static boolean isKeyChar(char c) {
      return c >= 'a' && c <= 'z'
          || c >= 'A' && c <= 'Z'
          || c >= '0' && c <= '9'
          || c == '.'
          || c == '_'
          || c == '/'
          || c == '-';
    }

    static boolean isValueChar(char c) {
      return !Character.isWhitespace(c) && "(),=!".indexOf(c) < 0;
    }

    private void skipSpace() {
      while (!atEnd() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private boolean atEnd() {
      return pos >= text.length();
    }

    private boolean peek(char c) {
      return peekAt(pos, c);
    }

    private boolean peekAt(int at, char c) {
      return at < text.length() && text.charAt(at) == c;
    }

    private IllegalArgumentException fail(String problem) {
      return new IllegalArgumentException(
          "cannot read selector requirement "
              + index
              + " '"
              + requirementText()
              + "' at position "
              + (pos + 1)
              + ": "
              + problem);
    }

    /** The requirement being read, up to the next comma outside parentheses. */
    private String requirementText() {
      int depth = 0;
      int end = start;
      while (end < text.length()) {
        char c = text.charAt(end);
        if (c == '(') {
          depth++;
        } else if (c == ')') {
          depth--;
        } else if (c == ',' && depth <= 0) {
          break;
        }
        end++;
      }
      return text.substring(start, end).strip();
    }
  }
}
