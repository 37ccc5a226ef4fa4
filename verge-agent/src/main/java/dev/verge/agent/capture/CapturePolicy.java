package dev.verge.agent.capture;

import java.util.Locale;

/**
 * What the agent keeps of one model's predictions. Outputs are always kept (they feed the hub's
 * view of what the model answered); the rest is a choice per model.
 *
 * @param inputs whether the request's input tensors are recorded beside the outputs
 * @param sampleRate the share of answered requests recorded, 0 to 1; the others are counted as
 *     served but leave no record
 * @param maxRecordBytes the most one record's tensors may take as JSON; past it the inputs' data,
 *     then the outputs' data, is left out (names, shapes and datatypes stay)
 * @param maxRate the most records a second (bursts of up to one second's worth), after sampling;
 *     requests past it are counted as served but leave no record; 0 for no limit
 */
public record CapturePolicy(boolean inputs, double sampleRate, int maxRecordBytes, int maxRate) {
  public static final int DEFAULT_MAX_RECORD_BYTES = 64 * 1024;

  /**
   * Records a second a model keeps by default. A device that answers tens of thousands of requests
   * a second would otherwise write every one to its flash (a tiny model at batch 64: 26 MB/s of
   * JSON) and send it up its link, and the writer would set the pace of serving (it cannot keep up
   * with a model that answers in 5 µs on the cores they share); counts stay exact either way.
   */
  public static final int DEFAULT_MAX_RATE = 1000;

  public static final int MAX_RATE = 1_000_000;

  /** Below this a record could not even hold its tensors' names and shapes. */
  public static final int MIN_RECORD_BYTES = 1024;

  public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  /** Every prediction up to 1,000 a second, outputs only, up to 64 KiB each. */
  public static final CapturePolicy DEFAULT =
      new CapturePolicy(false, 1.0, DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_RATE);

  /** Every prediction, outputs only, up to 64 KiB each, however many a second. */
  public static final CapturePolicy EVERY =
      new CapturePolicy(false, 1.0, DEFAULT_MAX_RECORD_BYTES, 0);

  /** The policy's settings with the default rate limit. */
  public CapturePolicy(boolean inputs, double sampleRate, int maxRecordBytes) {
    this(inputs, sampleRate, maxRecordBytes, DEFAULT_MAX_RATE);
  }

  /**
   * @throws IllegalArgumentException naming the value out of range
   */
  public CapturePolicy {
    if (!(sampleRate >= 0 && sampleRate <= 1)) {
      throw new IllegalArgumentException("sample rate " + sampleRate + " is outside 0-1");
    }
    if (maxRate < 0 || maxRate > MAX_RATE) {
      throw new IllegalArgumentException(
          "capture rate of " + maxRate + " records a second is outside 0 (no limit)-" + MAX_RATE);
    }
    if (maxRecordBytes < MIN_RECORD_BYTES || maxRecordBytes > MAX_RECORD_BYTES) {
      throw new IllegalArgumentException(
          "record cap of "
              + maxRecordBytes
              + " bytes is outside "
              + MIN_RECORD_BYTES / 1024
              + " KiB-"
              + MAX_RECORD_BYTES / (1024 * 1024)
              + " MiB");
    }
  }

  public CapturePolicy withInputs(boolean value) {
    return new CapturePolicy(value, sampleRate, maxRecordBytes, maxRate);
  }

  public CapturePolicy withSampleRate(double value) {
    return new CapturePolicy(inputs, value, maxRecordBytes, maxRate);
  }

  public CapturePolicy withMaxRecordBytes(int value) {
    return new CapturePolicy(inputs, sampleRate, value, maxRate);
  }

  public CapturePolicy withMaxRate(int value) {
    return new CapturePolicy(inputs, sampleRate, maxRecordBytes, value);
  }

  /**
   * This policy with the terms of {@code spec} applied: space- or semicolon-separated {@code
   * inputs=true|false}, {@code sample=0.25} (or {@code 25%}), {@code max-record-kb=16} and {@code
   * max-rate=100} (records a second, 0 for no limit); a term left out keeps this policy's value.
   *
   * @throws IllegalArgumentException naming the term that does not parse
   */
  public CapturePolicy with(String spec) {
    CapturePolicy policy = this;
    for (String term : spec.strip().split("[\\s;]+")) {
      if (term.isEmpty()) {
        continue;
      }
      int eq = term.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException(
            "'" + term + "' is not one of inputs=, sample=, max-record-kb=, max-rate=");
      }
      String key = term.substring(0, eq).toLowerCase(Locale.ROOT);
      String value = term.substring(eq + 1);
      policy =
          switch (key) {
            case "inputs" -> policy.withInputs(parseBoolean(term, value));
            case "sample" -> policy.withSampleRate(parseRate(value));
            case "max-record-kb" -> policy.withMaxRecordBytes(parseKib(value));
            case "max-rate" -> policy.withMaxRate(parseRatePerSecond(value));
            default ->
                throw new IllegalArgumentException(
                    "'" + key + "' is not one of inputs, sample, max-record-kb, max-rate");
          };
    }
    return policy;
  }

  private static boolean parseBoolean(String term, String value) {
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException("'" + term + "' needs true or false");
  }

  /**
   * A share from 0 to 1, written {@code 0.25} or {@code 25%}.
   *
   * @throws IllegalArgumentException when it is not one, or out of range
   */
  public static double parseRate(String text) {
    String t = text.strip();
    boolean percent = t.endsWith("%");
    double value;
    try {
      value = Double.parseDouble(percent ? t.substring(0, t.length() - 1) : t);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "sample '" + text + "' is not a share such as 0.25 or 25%");
    }
    if (percent) {
      value /= 100;
    }
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException("sample '" + text + "' is outside 0-1 (0%-100%)");
    }
    return value;
  }

  private static int parseRatePerSecond(String text) {
    long rate;
    try {
      rate = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "max-rate '" + text + "' is not a whole number of records a second");
    }
    if (rate < 0 || rate > MAX_RATE) {
      throw new IllegalArgumentException(
          "max-rate " + rate + " is outside 0 (no limit)-" + MAX_RATE);
    }
    return (int) rate;
  }

  private static int parseKib(String text) {
    long kib;
    try {
      kib = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("max-record-kb '" + text + "' is not a whole number");
    }
    if (kib < MIN_RECORD_BYTES / 1024 || kib > MAX_RECORD_BYTES / 1024) {
      throw new IllegalArgumentException(
          "max-record-kb "
              + kib
              + " is outside "
              + MIN_RECORD_BYTES / 1024
              + "-"
              + MAX_RECORD_BYTES / 1024);
    }
    return (int) kib * 1024;
  }
}
