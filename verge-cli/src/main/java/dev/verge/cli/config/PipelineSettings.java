package dev.verge.cli.config;

import dev.verge.agent.pipeline.Action;
import dev.verge.agent.pipeline.CronExpression;
import dev.verge.agent.pipeline.InputMapping;
import dev.verge.agent.pipeline.MqttBroker;
import dev.verge.agent.pipeline.PipelineSpec;
import dev.verge.agent.pipeline.Rule;
import dev.verge.agent.pipeline.Schedule;
import dev.verge.agent.pipeline.Source;
import dev.verge.core.oip.DataType;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The agent's {@code pipelines:} section: each pipeline's source, schedule, model, input mapping
 * and rules, read from the configuration file into {@link PipelineSpec}s. Every problem names the
 * file, the line, the pipeline and the key (for example {@code agent.yaml:14: pipelines.pump-watch
 * .schedule.every: '0s' is zero}); all pipelines are checked, and every problem is reported at
 * once. config/agent.example.yaml documents every key.
 */
public final class PipelineSettings {
  static final String KEY = "pipelines";
  private static final java.util.function.Function<List<String>, Duration> DURATION =
      Parsers.duration();
  private static final int KIB = 1024;
  private static final int DEFAULT_OUTPUT_KB = 64;
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  private static final int DEFAULT_MESSAGE_KB = 256;
  private static final Duration DEFAULT_SESSION_EXPIRY = Duration.ofDays(7);
  private static final Set<String> BROKER_KEYS =
      Set.of(
          "broker",
          "topic",
          "qos",
          "client-id",
          "username",
          "password-file",
          "password-env",
          "ca-file",
          "timeout");

  private PipelineSettings() {}

  /**
   * The pipelines {@code file} configures; none without a {@code pipelines:} key.
   *
   * @throws ConfigException listing every problem
   */
  public static List<PipelineSpec> read(ConfigFile file) {
    if (file == null || !file.trees().containsKey(KEY)) {
      return List.of();
    }
    At root = new At(file.path(), file.trees().get(KEY), KEY);
    List<String> problems = new ArrayList<>();
    List<PipelineSpec> specs = new ArrayList<>();
    Map<String, At> pipelines;
    try {
      pipelines = root.mapping(null);
    } catch (Problem p) {
      throw new ConfigException(p.getMessage() + " (one entry per pipeline, by name)");
    }
    pipelines.forEach(
        (name, at) -> {
          try {
            specs.add(pipeline(name, at));
          } catch (Problem p) {
            problems.add(p.getMessage());
          }
        });
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return specs;
  }

  private static PipelineSpec pipeline(String name, At at) {
    Map<String, At> keys = at.mapping(Set.of("source", "schedule", "model", "input", "rules"));
    At source = at.require(keys, "source");
    At schedule = at.require(keys, "schedule");
    At model = at.require(keys, "model");
    At input = at.require(keys, "input");
    At rules = keys.get("rules");
    try {
      return new PipelineSpec(
          name,
          source(name, source),
          schedule(schedule),
          model.text(),
          input(input),
          rules == null ? List.of() : rules(rules));
    } catch (IllegalArgumentException e) {
      throw at.fail(e.getMessage());
    }
  }

  private static Source source(String pipeline, At at) {
    Map<String, At> kinds = at.mapping(Set.of("synthetic", "file", "command", "push", "mqtt"));
    if (kinds.size() != 1) {
      throw at.fail(
          "needs exactly one of synthetic, file, command, push, mqtt; got " + kinds.keySet());
    }
    Map.Entry<String, At> kind = kinds.entrySet().iterator().next();
    At v = kind.getValue();
    return switch (kind.getKey()) {
      case "synthetic" -> {
        Map<String, At> keys = v.mapping(Set.of("seed", "readings", "fields"));
        At fieldsAt = v.require(keys, "fields");
        Map<String, Source.Wave> fields = new LinkedHashMap<>();
        fieldsAt.mapping(null).forEach((field, w) -> fields.put(field, wave(w)));
        yield v.build(
            () ->
                new Source.Synthetic(
                    keys.containsKey("seed")
                        ? keys.get("seed").whole(Long.MIN_VALUE, Long.MAX_VALUE)
                        : 1,
                    fields,
                    keys.containsKey("readings")
                        ? (int) keys.get("readings").whole(1, PipelineSpec.MAX_READINGS_PER_CYCLE)
                        : 1));
      }
      case "push" -> {
        Map<String, At> keys = v.mapping(Set.of("token-file"));
        yield keys.containsKey("token-file")
            ? v.build(() -> new Source.Push(keys.get("token-file").token()))
            : new Source.Push(null);
      }
      case "mqtt" -> {
        Set<String> known = new java.util.HashSet<>(BROKER_KEYS);
        known.addAll(Set.of("max-message-kb", "session-expiry"));
        Map<String, At> keys = v.mapping(known);
        MqttBroker broker = broker(v, keys);
        String topic = v.require(keys, "topic").text();
        int qos = keys.containsKey("qos") ? (int) keys.get("qos").whole(0, 2) : 1;
        int kb =
            keys.containsKey("max-message-kb")
                ? (int) keys.get("max-message-kb").whole(1, Source.Mqtt.MAX_MESSAGE_BYTES / KIB)
                : DEFAULT_MESSAGE_KB;
        Duration expiry =
            keys.containsKey("session-expiry")
                ? keys.get("session-expiry").duration()
                : DEFAULT_SESSION_EXPIRY;
        yield v.build(() -> new Source.Mqtt(broker, topic, qos, kb * KIB, expiry));
      }
      case "file" -> {
        if (v.node() instanceof ConfigTree.Scalar) {
          yield new Source.Files(v.path(), null);
        }
        Map<String, At> keys = v.mapping(Set.of("path", "format"));
        Source.Format format = keys.containsKey("format") ? format(keys.get("format")) : null;
        yield new Source.Files(v.require(keys, "path").path(), format);
      }
      default -> {
        Map<String, At> keys = v.mapping(Set.of("run", "timeout", "max-output-kb", "format"));
        List<String> run = v.require(keys, "run").texts();
        Duration timeout =
            keys.containsKey("timeout") ? keys.get("timeout").duration() : DEFAULT_TIMEOUT;
        int kb =
            keys.containsKey("max-output-kb")
                ? (int) keys.get("max-output-kb").whole(1, 16 * KIB)
                : DEFAULT_OUTPUT_KB;
        Source.Format format = keys.containsKey("format") ? format(keys.get("format")) : null;
        yield v.build(() -> new Source.Command(run, timeout, kb * KIB, format));
      }
    };
  }

  private static Source.Wave wave(At at) {
    Map<String, At> keys =
        at.mapping(Set.of("mean", "amplitude", "period", "noise", "spike", "spike-size"));
    return at.build(
        () ->
            new Source.Wave(
                keys.containsKey("mean") ? keys.get("mean").number() : 0,
                keys.containsKey("amplitude") ? keys.get("amplitude").number() : 0,
                keys.containsKey("period") ? keys.get("period").duration() : Duration.ofMinutes(1),
                keys.containsKey("noise") ? keys.get("noise").number() : 0,
                keys.containsKey("spike") ? keys.get("spike").number() : 0,
                keys.containsKey("spike-size") ? keys.get("spike-size").number() : 0));
  }

  private static Source.Format format(At at) {
    String text = at.text().toLowerCase(Locale.ROOT);
    return switch (text) {
      case "csv" -> Source.Format.CSV;
      case "jsonl", "json-lines", "ndjson" -> Source.Format.JSONL;
      default -> throw at.fail("'" + at.text() + "' is not a format; allowed: csv, jsonl");
    };
  }

  private static Schedule schedule(At at) {
    Map<String, At> keys = at.mapping(Set.of("every", "cron"));
    if (keys.size() != 1) {
      throw at.fail(
          "needs exactly one of every (a duration) or cron (5 fields); got " + keys.keySet());
    }
    if (keys.containsKey("every")) {
      At every = keys.get("every");
      return every.build(() -> new Schedule.Every(every.duration()));
    }
    At cron = keys.get("cron");
    return cron.build(() -> new Schedule.Cron(CronExpression.parse(cron.text())));
  }

  private static InputMapping input(At at) {
    Map<String, At> keys = at.mapping(Set.of("name", "datatype", "features"));
    DataType datatype = null;
    if (keys.containsKey("datatype")) {
      At d = keys.get("datatype");
      datatype = d.build(() -> DataType.parse(d.text().toUpperCase(Locale.ROOT), "datatype"));
    }
    List<InputMapping.Feature> features = new ArrayList<>();
    for (At f : at.require(keys, "features").items()) {
      if (f.node() instanceof ConfigTree.Scalar) {
        features.add(f.build(() -> InputMapping.Feature.of(f.text())));
        continue;
      }
      Map<String, At> fk = f.mapping(Set.of("field", "scale", "offset"));
      At field = f.require(fk, "field");
      features.add(
          f.build(
              () ->
                  new InputMapping.Feature(
                      field.text(),
                      fk.containsKey("scale") ? fk.get("scale").number() : 1,
                      fk.containsKey("offset") ? fk.get("offset").number() : 0)));
    }
    String name = keys.containsKey("name") ? keys.get("name").text() : null;
    DataType type = datatype;
    return at.build(() -> new InputMapping(name, type, features));
  }

  private static List<Rule> rules(At at) {
    List<Rule> rules = new ArrayList<>();
    for (At r : at.items()) {
      Map<String, At> keys = r.mapping(Set.of("name", "when", "then", "cooldown"));
      At when = r.require(keys, "when");
      List<Rule.Comparison> comparisons = when.build(() -> Rule.parse(when.text()));
      List<Action> actions = new ArrayList<>();
      for (At a : r.require(keys, "then").items()) {
        actions.add(action(a));
      }
      Duration cooldown = keys.containsKey("cooldown") ? keys.get("cooldown").duration() : null;
      String name = keys.containsKey("name") ? keys.get("name").text() : null;
      rules.add(r.build(() -> new Rule(name, comparisons, actions, cooldown)));
    }
    return rules;
  }

  private static Action action(At at) {
    Map<String, At> kinds = at.mapping(Set.of("event", "webhook", "command", "mqtt"));
    if (kinds.size() != 1) {
      throw at.fail("needs exactly one of event, webhook, command, mqtt; got " + kinds.keySet());
    }
    Map.Entry<String, At> kind = kinds.entrySet().iterator().next();
    At v = kind.getValue();
    return switch (kind.getKey()) {
      case "event" -> {
        if (v.node() instanceof ConfigTree.Scalar) {
          yield v.build(() -> new Action.RaiseEvent(v.text(), null));
        }
        Map<String, At> keys = v.mapping(Set.of("severity", "message"));
        String severity = keys.containsKey("severity") ? keys.get("severity").text() : null;
        String message = keys.containsKey("message") ? keys.get("message").text() : null;
        yield v.build(() -> new Action.RaiseEvent(severity, message));
      }
      case "webhook" -> {
        if (v.node() instanceof ConfigTree.Scalar) {
          yield v.build(() -> new Action.Webhook(v.uri(), DEFAULT_TIMEOUT, 3, null));
        }
        Map<String, At> keys = v.mapping(Set.of("url", "timeout", "retries", "headers"));
        URI url = v.require(keys, "url").uri();
        Duration timeout =
            keys.containsKey("timeout") ? keys.get("timeout").duration() : DEFAULT_TIMEOUT;
        int retries =
            keys.containsKey("retries")
                ? (int) keys.get("retries").whole(0, Action.Webhook.MAX_RETRIES)
                : 3;
        Map<String, String> headers = new LinkedHashMap<>();
        if (keys.containsKey("headers")) {
          keys.get("headers").mapping(null).forEach((k, h) -> headers.put(k, h.text()));
        }
        yield v.build(() -> new Action.Webhook(url, timeout, retries, headers));
      }
      case "mqtt" -> {
        Set<String> known = new java.util.HashSet<>(BROKER_KEYS);
        known.add("retain");
        Map<String, At> keys = v.mapping(known);
        MqttBroker broker = broker(v, keys);
        String topic = v.require(keys, "topic").text();
        int qos = keys.containsKey("qos") ? (int) keys.get("qos").whole(1, 2) : 1;
        boolean retain = keys.containsKey("retain") && keys.get("retain").bool();
        yield v.build(() -> new Action.PublishMqtt(broker, topic, qos, retain));
      }
      default -> {
        if (v.node() instanceof ConfigTree.Scalar || v.node() instanceof ConfigTree.Sequence) {
          List<String> run = v.texts();
          yield v.build(() -> new Action.RunCommand(run, DEFAULT_TIMEOUT, DEFAULT_OUTPUT_KB * KIB));
        }
        Map<String, At> keys = v.mapping(Set.of("run", "timeout", "max-output-kb"));
        List<String> run = v.require(keys, "run").texts();
        Duration timeout =
            keys.containsKey("timeout") ? keys.get("timeout").duration() : DEFAULT_TIMEOUT;
        int kb =
            keys.containsKey("max-output-kb")
                ? (int) keys.get("max-output-kb").whole(1, 16 * KIB)
                : DEFAULT_OUTPUT_KB;
        yield v.build(() -> new Action.RunCommand(run, timeout, kb * KIB));
      }
    };
  }

  /**
   * The broker of an MQTT source or action. The password comes from password-file (read now,
   * bounded) or password-env (the variable's name; its value is never shown in an error).
   */
  private static MqttBroker broker(At at, Map<String, At> keys) {
    At url = at.require(keys, "broker");
    URI broker = url.uri();
    if (keys.containsKey("password-file") && keys.containsKey("password-env")) {
      throw at.fail("takes password-file or password-env, not both");
    }
    String password = null;
    if (keys.containsKey("password-file")) {
      password = keys.get("password-file").token();
    } else if (keys.containsKey("password-env")) {
      At env = keys.get("password-env");
      String name = env.text();
      password = System.getenv(name);
      if (password == null || password.isEmpty()) {
        throw env.fail("environment variable " + name + " is not set");
      }
    }
    String secret = password;
    Duration timeout =
        keys.containsKey("timeout") ? keys.get("timeout").duration() : DEFAULT_TIMEOUT;
    String clientId = keys.containsKey("client-id") ? keys.get("client-id").text() : null;
    String username = keys.containsKey("username") ? keys.get("username").text() : null;
    Path caFile = keys.containsKey("ca-file") ? keys.get("ca-file").path() : null;
    if (caFile != null && !java.nio.file.Files.isReadable(caFile)) {
      throw keys.get("ca-file").fail("'" + caFile + "' cannot be read");
    }
    return url.build(() -> new MqttBroker(broker, clientId, username, secret, caFile, timeout));
  }

  /** A problem, its message complete: file, line, key, what is wrong. */
  private static final class Problem extends RuntimeException {
    Problem(String message) {
      super(message, null, false, false);
    }
  }

  /** One node of the tree and the key path that leads to it. */
  private record At(Path file, ConfigTree node, String where) {
    Problem fail(String message) {
      return new Problem(file + ":" + node.line() + ": " + where + ": " + message);
    }

    /** Runs {@code make}, turning its refusal into a problem at this node. */
    <T> T build(java.util.function.Supplier<T> make) {
      try {
        return make.get();
      } catch (IllegalArgumentException e) {
        throw fail(e.getMessage());
      }
    }

    /** Its entries; a key not in {@code known} (when given) is refused. */
    Map<String, At> mapping(Set<String> known) {
      if (!(node instanceof ConfigTree.Mapping m)) {
        throw fail("must be a mapping of key: value lines");
      }
      Map<String, At> entries = new LinkedHashMap<>();
      m.entries()
          .forEach(
              (key, value) -> {
                At child = new At(file, value, where + "." + key);
                if (known != null && !known.contains(key)) {
                  throw child.fail(
                      "unknown key '"
                          + key
                          + "'; known: "
                          + String.join(", ", known.stream().sorted().toList()));
                }
                entries.put(key, child);
              });
      return entries;
    }

    At require(Map<String, At> keys, String key) {
      At value = keys.get(key);
      if (value == null) {
        throw fail("needs '" + key + ":'");
      }
      return value;
    }

    List<At> items() {
      if (!(node instanceof ConfigTree.Sequence s)) {
        throw fail("must be a list ('- ' lines)");
      }
      List<At> items = new ArrayList<>();
      for (int i = 0; i < s.items().size(); i++) {
        items.add(new At(file, s.items().get(i), where + "[" + i + "]"));
      }
      return items;
    }

    String text() {
      if (!(node instanceof ConfigTree.Scalar s)) {
        throw fail("must be a plain value");
      }
      return s.text();
    }

    /** A value or a list of values, as text: a command and its arguments. */
    List<String> texts() {
      if (node instanceof ConfigTree.Scalar s) {
        return List.of(s.text());
      }
      return items().stream().map(At::text).toList();
    }

    double number() {
      String text = text();
      try {
        double value = Double.parseDouble(text);
        if (Double.isFinite(value)) {
          return value;
        }
      } catch (NumberFormatException e) {
        // Reported below.
      }
      throw fail("'" + text + "' is not a number");
    }

    boolean bool() {
      return switch (text().toLowerCase(Locale.ROOT)) {
        case "true", "yes", "on" -> true;
        case "false", "no", "off" -> false;
        default -> throw fail("'" + text() + "' is not true or false");
      };
    }

    long whole(long min, long max) {
      String text = text();
      try {
        long value = Long.parseLong(text);
        if (value >= min && value <= max) {
          return value;
        }
      } catch (NumberFormatException e) {
        // Reported below.
      }
      throw fail("'" + text + "' is not a whole number from " + min + " to " + max);
    }

    Duration duration() {
      String text = text();
      try {
        return DURATION.apply(List.of(text));
      } catch (IllegalArgumentException e) {
        throw fail(
            "'"
                + text
                + "' "
                + e.getMessage()
                + "; allowed: a duration such as 500ms, 10s, 5m, 1h");
      }
    }

    Path path() {
      String text = text();
      try {
        return Path.of(text);
      } catch (java.nio.file.InvalidPathException e) {
        throw fail("'" + text + "' is not a path: " + e.getReason());
      }
    }

    /** The token in the file this value names, read (bounded) now. */
    String token() {
      Path file = path();
      try {
        if (java.nio.file.Files.size(file) > 4096) {
          throw fail("'" + file + "' is larger than 4 KiB; it should hold one token");
        }
        return java.nio.file.Files.readString(file).strip();
      } catch (java.nio.file.NoSuchFileException e) {
        throw fail("'" + file + "' does not exist");
      } catch (java.io.IOException e) {
        throw fail("'" + file + "' cannot be read (" + e + ")");
      }
    }

    URI uri() {
      String text = text();
      try {
        return new URI(text);
      } catch (URISyntaxException e) {
        throw fail("'" + text + "' is not a URL: " + e.getReason());
      }
    }
  }
}
