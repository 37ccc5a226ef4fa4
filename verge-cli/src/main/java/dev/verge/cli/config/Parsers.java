package dev.verge.cli.config;

import dev.verge.agent.capture.CaptureConfig;
import dev.verge.cli.HubUrlConverter;
import dev.verge.hub.store.PostgresServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turn a setting's text into its value, or say in a few words why not. */
final class Parsers {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern RETENTION = Pattern.compile("(\\d{1,6})(d|h)");
  private static final Pattern BYTE_RATE = Pattern.compile("(\\d{1,18}) ?([A-Za-z]{1,3})?(?:/s)?");
  private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");

  private Parsers() {}

  static Function<List<String>, String> text() {
    return one(
        text -> {
          if (text.isBlank()) {
            throw new IllegalArgumentException("is empty");
          }
          if (text.length() > 200) {
            throw new IllegalArgumentException("is longer than 200 characters");
          }
          return text;
        });
  }

  /** {@code sqlite}, or a PostgreSQL URL that {@link PostgresServer#parse} takes. */
  static Function<List<String>, String> store() {
    return one(
        text -> {
          if (text.equals("sqlite")) {
            return text;
          }
          if (!PostgresServer.isPostgresUrl(text)) {
            throw new IllegalArgumentException("is neither sqlite nor a postgresql:// URL");
          }
          PostgresServer.parse(text, null, PostgresServer.DEFAULT_POOL_SIZE);
          return text;
        });
  }

  static Function<List<String>, Integer> integer(int min, int max) {
    return one(text -> (int) whole(text, min, max));
  }

  static Function<List<String>, Long> wholeNumber(long min, long max) {
    return one(text -> whole(text, min, max));
  }

  static Function<List<String>, Integer> port() {
    return integer(0, 65_535);
  }

  /** {@code off} for {@code off} (any case), else a port as {@link #port()} reads it. */
  static Function<List<String>, Integer> portOr(String word, int off) {
    Function<List<String>, Integer> port = port();
    return items ->
        items.size() == 1 && items.getFirst().strip().equalsIgnoreCase(word)
            ? off
            : port.apply(items);
  }

  /** 500ms, 5s, 2m, 1h; more than zero. */
  static Function<List<String>, Duration> duration() {
    return duration(false);
  }

  /** As {@link #duration()}, or zero ({@code 0}, {@code 0s}) where zero means "none". */
  static Function<List<String>, Duration> durationOrZero() {
    return duration(true);
  }

  private static Function<List<String>, Duration> duration(boolean zero) {
    return one(
        text -> {
          if (zero && text.equals("0")) {
            return Duration.ZERO;
          }
          Matcher match = DURATION.matcher(text);
          if (!match.matches()) {
            throw new IllegalArgumentException("is not a duration");
          }
          long amount = Long.parseLong(match.group(1));
          Duration value =
              switch (match.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
              };
          if (value.isZero() && !zero) {
            throw new IllegalArgumentException("is zero");
          }
          return value;
        });
  }

  /**
   * How long to keep something: whole days ({@code 30d}) or hours ({@code 36h}), at least an hour;
   * {@code 0} or {@code none} for ever (zero).
   */
  static Function<List<String>, Duration> retention() {
    return one(
        text -> {
          if (text.equals("0") || text.equalsIgnoreCase("none")) {
            return Duration.ZERO;
          }
          Matcher match = RETENTION.matcher(text);
          if (!match.matches()) {
            throw new IllegalArgumentException("is not a number of days (30d) or hours (36h)");
          }
          long amount = Long.parseLong(match.group(1));
          if (amount == 0) {
            throw new IllegalArgumentException("is zero; say 0 or none to keep everything");
          }
          return match.group(2).equals("d") ? Duration.ofDays(amount) : Duration.ofHours(amount);
        });
  }

  /** As {@link #duration()}, from {@code min} to {@code max}. */
  static Function<List<String>, Duration> duration(Duration min, Duration max) {
    Function<List<String>, Duration> duration = duration(false);
    return items -> {
      Duration value = duration.apply(items);
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException("is out of range");
      }
      return value;
    };
  }

  static Function<List<String>, URI> httpUrl() {
    return one(HubUrlConverter::parse);
  }

  /** An MQTT broker: {@code tcp://host[:port]} or {@code ssl://host[:port]}, nothing more. */
  static Function<List<String>, URI> mqttUrl() {
    return one(
        text -> {
          URI url;
          try {
            url = new URI(text);
          } catch (URISyntaxException e) {
            throw new IllegalArgumentException("is not a URL");
          }
          if (!"tcp".equals(url.getScheme()) && !"ssl".equals(url.getScheme())
              || url.getHost() == null) {
            throw new IllegalArgumentException("is not tcp://host:port or ssl://host:port");
          }
          if (url.getUserInfo() != null) {
            throw new IllegalArgumentException(
                "holds credentials; the hub's password goes in push-password-file");
          }
          if (url.getRawPath() != null && !url.getRawPath().isEmpty()
              || url.getRawQuery() != null) {
            throw new IllegalArgumentException("has a path or query; a broker URL has neither");
          }
          return url;
        });
  }

  /** A host name or IP address this machine can resolve. */
  static Function<List<String>, String> address() {
    return one(
        text -> {
          try {
            InetAddress.getByName(text);
            return text;
          } catch (UnknownHostException e) {
            throw new IllegalArgumentException("is not a known host name or IP address");
          }
        });
  }

  /** An IANA zone id (Europe/Berlin), UTC, or an offset (+02:00). */
  static Function<List<String>, ZoneId> zone() {
    return one(
        text -> {
          try {
            return ZoneId.of(text);
          } catch (DateTimeException e) {
            throw new IllegalArgumentException("is not a time zone");
          }
        });
  }

  static Function<List<String>, Path> path() {
    return one(Parsers::toPath);
  }

  static Function<List<String>, List<Path>> paths() {
    return items -> items.stream().map(Parsers::toPath).toList();
  }

  /** key=value pairs with the hub's label rules, so a bad label fails here, not at the hub. */
  static Function<List<String>, Map<String, String>> labels() {
    return items -> {
      Map<String, String> labels = new LinkedHashMap<>();
      for (String item : items) {
        int eq = item.indexOf('=');
        if (eq < 0) {
          throw new IllegalArgumentException("'" + item + "' is not key=value");
        }
        String key = item.substring(0, eq).strip();
        String value = item.substring(eq + 1).strip();
        if (!LABEL_KEY.matcher(key).matches()) {
          throw new IllegalArgumentException("key '" + key + "' is not a label key");
        }
        if (value.length() > 255) {
          throw new IllegalArgumentException("the value of '" + key + "' is over 255 characters");
        }
        if (labels.put(key, value) != null) {
          throw new IllegalArgumentException("key '" + key + "' is given twice");
        }
      }
      if (labels.size() > 64) {
        throw new IllegalArgumentException("has " + labels.size() + " labels, more than 64");
      }
      return Map.copyOf(labels);
    };
  }

  /** A share from 0 to 1: {@code 0.25} or {@code 25%}. */
  static Function<List<String>, Double> rate() {
    return one(dev.verge.agent.capture.CapturePolicy::parseRate);
  }

  /**
   * {@code model=terms} pairs (per-model capture policies); the terms are checked against the
   * defaults once all settings are known.
   */
  static Function<List<String>, Map<String, String>> modelSpecs() {
    return items -> {
      Map<String, String> specs = new LinkedHashMap<>();
      for (String item : items) {
        int eq = item.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("'" + item + "' is not model=terms");
        }
        String model = item.substring(0, eq).strip();
        if (model.isEmpty() || model.length() > 200) {
          throw new IllegalArgumentException("model name '" + model + "' is empty or too long");
        }
        if (specs.put(model, item.substring(eq + 1).strip()) != null) {
          throw new IllegalArgumentException("model '" + model + "' is given twice");
        }
      }
      return Map.copyOf(specs);
    };
  }

  /**
   * A rate in bytes a second: a whole number of bytes, or one with a unit ({@code kB}, {@code MB},
   * {@code GB} in powers of 1000; {@code KiB}, {@code MiB}, {@code GiB} in powers of 1024), with or
   * without {@code /s}; {@code 0} for none.
   */
  static Function<List<String>, Long> byteRate(long max) {
    return one(
        text -> {
          Matcher match = BYTE_RATE.matcher(text);
          if (!match.matches()) {
            throw new IllegalArgumentException("is not a rate such as 256KiB, 2MB or 0");
          }
          long amount = whole(match.group(1), 0, max);
          String unit = match.group(2) == null ? "" : match.group(2);
          long factor =
              switch (unit.toLowerCase(Locale.ROOT)) {
                case "", "b" -> 1;
                case "kb", "k" -> 1000;
                case "kib" -> 1024;
                case "mb", "m" -> 1_000_000;
                case "mib" -> 1024 * 1024;
                case "gb", "g" -> 1_000_000_000;
                case "gib" -> 1024L * 1024 * 1024;
                default -> throw new IllegalArgumentException("has an unknown unit " + unit);
              };
          if (amount > max / factor) {
            throw new IllegalArgumentException("is out of range");
          }
          return amount * factor;
        });
  }

  /** {@code true} or {@code false}, in any case. */
  static Function<List<String>, Boolean> bool() {
    return one(
        text -> {
          if (text.equalsIgnoreCase("true")) {
            return true;
          }
          if (text.equalsIgnoreCase("false")) {
            return false;
          }
          throw new IllegalArgumentException("is not true or false");
        });
  }

  /** One of an enum's constants, by its lower-case name. */
  static <E extends Enum<E>> Function<List<String>, E> oneOf(Class<E> type) {
    return one(
        text -> {
          for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(text)) {
              return constant;
            }
          }
          throw new IllegalArgumentException("is not one of the allowed values");
        });
  }

  /** buffered or sync, in any case; async, the name buffered had before, reads as buffered. */
  static Function<List<String>, CaptureConfig.Mode> captureMode() {
    return one(
        text -> {
          try {
            return CaptureConfig.Mode.of(text);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not one of the allowed values");
          }
        });
  }

  /** The lower-case names of an enum's constants, for "allowed". */
  static String names(Class<? extends Enum<?>> type) {
    StringBuilder names = new StringBuilder();
    for (Enum<?> constant : type.getEnumConstants()) {
      names.append(names.isEmpty() ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT));
    }
    return names.toString();
  }

  private static <T> Function<List<String>, T> one(Function<String, T> parser) {
    return items -> {
      if (items.size() != 1) {
        throw new IllegalArgumentException("takes one value, got " + items.size());
      }
      return parser.apply(items.getFirst().strip());
    };
  }

  private static long whole(String text, long min, long max) {
    long value;
    try {
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("is not a whole number");
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException("is out of range");
    }
    return value;
  }

  private static Path toPath(String text) {
    if (text.isBlank()) {
      throw new IllegalArgumentException("is empty");
    }
    try {
      return Path.of(
          text.startsWith("~/") ? System.getProperty("user.home") + text.substring(1) : text);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("is not a path (" + e.getReason() + ")");
    }
  }
}
