package dev.verge.cli.config;

import dev.verge.hub.store.PostgresServer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The effective settings of one program: for each setting the value from the first layer that has
 * one, flags before environment variables before the configuration file before the default, and
 * where it came from. {@link #resolve} checks every layer and reports every problem at once.
 */
public final class Settings {
  /**
   * One effective value.
   *
   * @param value the value; null for an optional setting nobody set
   * @param text the value as given, or the default as shown
   * @param origin where it came from
   */
  public record Value<T>(T value, String text, Origin origin) {}

  private final String section;
  private final Map<Setting<?>, Value<?>> values;

  private Settings(String section, Map<Setting<?>, Value<?>> values) {
    this.section = section;
    this.values = values;
  }

  /**
   * Resolves {@code catalog} from the layers.
   *
   * @param section {@code hub} or {@code agent}: the file must hold that section
   * @param file the configuration file, or null for none
   * @param env the environment; only the catalog's variables are read, and an empty one counts as
   *     unset
   * @param flags the flags given, by name, with their values in order
   * @throws ConfigException listing every bad value, unknown key and missing setting
   */
  public static Settings resolve(
      String section,
      List<Setting<?>> catalog,
      ConfigFile file,
      Map<String, String> env,
      Map<String, List<String>> flags) {
    List<String> problems = new ArrayList<>();
    if (file != null) {
      if (file.section() != null && !file.section().equals(section)) {
        throw new ConfigException(
            file.path()
                + " is a configuration for the "
                + file.section()
                + " ('"
                + file.section()
                + ":' section); this command needs a '"
                + section
                + ":' section");
      }
      unknownKeys(section, catalog, file, problems);
    }
    Map<Setting<?>, Value<?>> values = new LinkedHashMap<>();
    for (Setting<?> setting : catalog) {
      Value<?> value = resolveOne(setting, file, env, flags, problems);
      if (value != null) {
        values.put(setting, value);
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new Settings(section, values);
  }

  /**
   * The value of the first layer that sets {@code setting}. Every layer that sets it is checked, so
   * a bad line in the file fails even while a flag overrides it, instead of waiting for the day the
   * flag is dropped.
   */
  private static <T> Value<T> resolveOne(
      Setting<T> setting,
      ConfigFile file,
      Map<String, String> env,
      Map<String, List<String>> flags,
      List<String> problems) {
    List<Value<T>> layers = new ArrayList<>();
    boolean bad = false;
    List<String> flag = flags.get(setting.flag());
    if (flag != null && !flag.isEmpty()) {
      bad |= !parse(setting, flag, new Origin.Flag(setting.flag()), layers, problems);
    }
    String variable = env.get(setting.env());
    if (variable != null && !variable.isEmpty()) {
      Origin origin = new Origin.Environment(setting.env());
      bad |= !parse(setting, split(setting, variable), origin, layers, problems);
    }
    ConfigFile.Entry entry = file == null ? null : file.entries().get(setting.key());
    if (entry != null) {
      Origin origin = new Origin.File(file.path(), entry.line());
      if (fits(setting.shape(), entry.shape())) {
        bad |= !parse(setting, entry.items(), origin, layers, problems);
      } else {
        problems.add(
            message(setting, String.join(", ", entry.items()), origin, shapeProblem(setting)));
        bad = true;
      }
    }
    if (bad) {
      return null;
    }
    Value<T> value =
        layers.isEmpty()
            ? new Value<>(
                setting.defaultValue() == null ? null : setting.defaultValue().get(),
                setting.defaultText(),
                new Origin.Default())
            : layers.getFirst();
    boolean missing =
        value.value() == null || (value.value() instanceof List<?> list && list.isEmpty());
    if (setting.required() && missing) {
      problems.add(setting.key() + " is required: " + setting.howToSet());
      return null;
    }
    return value;
  }

  /** Parses one layer's text into {@code layers}; false, with the problem added, if it is bad. */
  private static <T> boolean parse(
      Setting<T> setting,
      List<String> given,
      Origin origin,
      List<Value<T>> layers,
      List<String> problems) {
    String text = String.join(", ", given);
    try {
      layers.add(new Value<>(setting.parser().apply(given), text, origin));
      return true;
    } catch (IllegalArgumentException e) {
      problems.add(message(setting, text, origin, e.getMessage()));
      return false;
    }
  }

  /** The one shape of message for a bad value: what, from where, why, and what is allowed. */
  static String message(Setting<?> setting, String text, Origin origin, String reason) {
    return setting.key()
        + " = '"
        + PostgresServer.redact(text)
        + "' ("
        + origin
        + "): "
        + reason
        + "; allowed: "
        + setting.allowed();
  }

  private static boolean fits(Setting.Shape wanted, Setting.Shape written) {
    return switch (wanted) {
      case ONE -> written == Setting.Shape.ONE;
      case LIST -> written == Setting.Shape.ONE || written == Setting.Shape.LIST;
      case MAP -> written == Setting.Shape.MAP;
    };
  }

  private static String shapeProblem(Setting<?> setting) {
    return switch (setting.shape()) {
      case ONE -> "takes a single value, not a list or mapping";
      case LIST -> "takes a value or a list of values, not a mapping";
      case MAP -> "takes a mapping of key: value lines";
    };
  }

  private static List<String> split(Setting<?> setting, String variable) {
    if (setting.shape() == Setting.Shape.ONE) {
      return List.of(variable);
    }
    return Arrays.stream(variable.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static void unknownKeys(
      String section, List<Setting<?>> catalog, ConfigFile file, List<String> problems) {
    List<String> known = catalog.stream().map(Setting::key).toList();
    file.entries()
        .forEach(
            (key, entry) -> {
              if (!known.contains(key)) {
                String near = nearest(key, known);
                problems.add(
                    file.path()
                        + ":"
                        + entry.line()
                        + ": unknown setting '"
                        + key
                        + "' in '"
                        + section
                        + ":'"
                        + (near == null ? "" : " (did you mean '" + near + "'?)")
                        + "; known: "
                        + String.join(", ", known));
              }
            });
  }

  /** The known key within two edits of {@code key}, for typos; null when none is that close. */
  private static String nearest(String key, List<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String candidate : known) {
      int distance = distance(key, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best;
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** {@code hub} or {@code agent}. */
  public String section() {
    return section;
  }

  @SuppressWarnings("unchecked")
  public <T> Value<T> value(Setting<T> setting) {
    Value<?> value = values.get(setting);
    if (value == null) {
      throw new IllegalArgumentException("no setting " + setting.key() + " in this catalog");
    }
    return (Value<T>) value;
  }

  public <T> T get(Setting<T> setting) {
    return value(setting).value();
  }

  /** A problem found with a value after parsing (a file that is missing, say), with its origin. */
  public ConfigException invalid(Setting<?> setting, String reason) {
    Value<?> value = value(setting);
    return new ConfigException(message(setting, value.text(), value.origin(), reason));
  }

  /** Every effective value, in catalog order. */
  public Map<Setting<?>, Value<?>> values() {
    return java.util.Collections.unmodifiableMap(values);
  }
}
