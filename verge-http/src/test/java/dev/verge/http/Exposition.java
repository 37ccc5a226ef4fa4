package dev.verge.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scraped page in the Prometheus text format (0.0.4) or OpenMetrics 1.0, checked line by line
 * against the format's grammar while it is parsed, so a test fails on any malformed line.
 */
public record Exposition(List<Sample> samples) {
  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final Pattern TYPE =
      Pattern.compile(
          "# TYPE ("
              + NAME
              + ") (counter|gauge|histogram|summary|untyped|unknown|info|stateset|gaugehistogram)");
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
  private static final Pattern SAMPLE =
      Pattern.compile(
          "("
              + NAME
              + ")(\\{(.*)\\})? ([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))( -?[0-9]+(\\.[0-9]+)?)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
  private static final List<String> SUFFIXES =
      List.of("", "_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info");

  public record Sample(String name, Map<String, String> labels, double value) {}

  public static Exposition parse(String text) {
    boolean openMetrics = text.endsWith("# EOF\n");
    Set<String> families = new HashSet<>();
    List<Sample> samples = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    assertThat(lines[lines.length - 1]).as("the page ends with a newline").isEmpty();
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      String where = "line " + (i + 1) + ": " + line;
      if (line.equals("# EOF")) {
        assertThat(i).as("# EOF is the last line").isEqualTo(lines.length - 2);
        continue;
      }
      if (line.startsWith("#")) {
        Matcher type = TYPE.matcher(line);
        if (type.matches()) {
          assertThat(families.add(type.group(1))).as("one TYPE per family, " + where).isTrue();
        } else if (openMetrics || line.startsWith("# HELP")) {
          assertThat(HELP.matcher(line).matches() || line.startsWith("# UNIT"))
              .as("a HELP line, " + where)
              .isTrue();
        }
        continue;
      }
      assertThat(line).as("no blank line inside the page").isNotEmpty();
      Matcher sample = SAMPLE.matcher(line);
      assertThat(sample.matches()).as("a sample, " + where).isTrue();
      String name = sample.group(1);
      assertThat(SUFFIXES.stream().anyMatch(s -> families.contains(strip(name, s))))
          .as("a TYPE line comes before the family's samples, " + where)
          .isTrue();
      samples.add(new Sample(name, labels(sample.group(3), where), value(sample.group(4))));
    }
    return new Exposition(samples);
  }

  private static String strip(String name, String suffix) {
    return name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : "";
  }

  private static Map<String, String> labels(String text, String where) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (text == null || text.isEmpty()) {
      return labels;
    }
    Matcher m = LABEL.matcher(text);
    int at = 0;
    while (at < text.length()) {
      assertThat(m.find(at) && m.start() == at).as("a label at " + at + ", " + where).isTrue();
      assertThat(labels.put(m.group(1), m.group(2))).as("no repeated label, " + where).isNull();
      at = m.end();
    }
    return labels;
  }

  private static double value(String text) {
    return switch (text) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  /** The one sample with this name and at least these labels; fails when there is not one. */
  public double value(String name, String... labelPairs) {
    List<Sample> found = find(name, labelPairs);
    assertThat(found).as("samples %s %s", name, List.of(labelPairs)).hasSize(1);
    return found.getFirst().value();
  }

  public List<Sample> find(String name, String... labelPairs) {
    List<Sample> found = new ArrayList<>();
    for (Sample sample : samples) {
      if (!sample.name().equals(name)) {
        continue;
      }
      boolean all = true;
      for (int i = 0; i < labelPairs.length; i += 2) {
        all &= labelPairs[i + 1].equals(sample.labels().get(labelPairs[i]));
      }
      if (all) {
        found.add(sample);
      }
    }
    return found;
  }
}
