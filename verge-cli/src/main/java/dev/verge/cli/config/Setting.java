package dev.verge.cli.config;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One setting of the hub or the agent, with every name it goes by and its default. The file key is
 * the flag without its dashes (labels aside: {@code --label} adds one, {@code labels:} holds all),
 * so an operator learns one name.
 *
 * @param key the name in the configuration file's section
 * @param flag the command-line flag
 * @param env the environment variable
 * @param shape how many values it takes
 * @param parser turns the given text into the value; throws {@link IllegalArgumentException} with a
 *     short reason
 * @param allowed what the parser accepts, for error messages
 * @param defaultValue the value when nobody set it; null for none
 * @param defaultText the default as help and {@code verge config check} show it; null for none
 * @param required whether a start without a value is refused
 */
public record Setting<T>(
    String key,
    String flag,
    String env,
    Shape shape,
    Function<List<String>, T> parser,
    String allowed,
    Supplier<T> defaultValue,
    String defaultText,
    boolean required) {

  /** How many values a setting takes, and how each source writes several. */
  public enum Shape {
    /** One value. */
    ONE,
    /** A list: a YAML sequence, a repeated flag, comma-separated in the environment. */
    LIST,
    /** key=value pairs: a YAML mapping, a repeated flag, comma-separated in the environment. */
    MAP
  }

  /** The conventional environment variable: {@code VERGE_<SECTION>_<KEY>}. */
  static String envName(String section, String key) {
    return ("VERGE_" + section + "_" + key).toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** A single-valued setting with a default. */
  static <T> Setting<T> of(
      String section,
      String key,
      Function<List<String>, T> parser,
      String allowed,
      Supplier<T> defaultValue,
      String defaultText) {
    return new Setting<>(
        key,
        "--" + key,
        envName(section, key),
        Shape.ONE,
        parser,
        allowed,
        defaultValue,
        defaultText,
        false);
  }

  /** A single-valued setting a start needs. */
  static <T> Setting<T> required(
      String section, String key, Function<List<String>, T> parser, String allowed) {
    return new Setting<>(
        key, "--" + key, envName(section, key), Shape.ONE, parser, allowed, null, null, true);
  }

  Setting<T> withEnv(String variable) {
    return new Setting<>(
        key, flag, variable, shape, parser, allowed, defaultValue, defaultText, required);
  }

  Setting<T> withFlag(String name) {
    return new Setting<>(
        key, name, env, shape, parser, allowed, defaultValue, defaultText, required);
  }

  Setting<T> shaped(Shape value) {
    return new Setting<>(
        key, flag, env, value, parser, allowed, defaultValue, defaultText, required);
  }

  Setting<T> asRequired() {
    return new Setting<>(key, flag, env, shape, parser, allowed, defaultValue, defaultText, true);
  }

  /** How a user sets it, for "is required" messages. */
  String howToSet() {
    return "pass " + flag + ", set " + env + ", or write '" + key + ":' in the --config file";
  }
}
