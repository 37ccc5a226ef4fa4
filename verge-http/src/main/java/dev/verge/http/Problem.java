package dev.verge.http;

import java.util.Map;

/**
 * What a failed request is answered: a status, the {@code code} and message of the error body,
 * extra headers (such as {@code Allow} or {@code Retry-After}), and whether the failure is the
 * server's own, worth an ERROR with its stack trace in the log.
 */
public record Problem(
    int status, String code, String message, Map<String, String> headers, boolean serverFault) {

  public Problem {
    headers = Map.copyOf(headers);
  }

  /** A refusal of the client's request: logged at DEBUG only, so clients cannot fill the log. */
  public static Problem refusal(int status, String code, String message) {
    return new Problem(status, code, message, Map.of(), false);
  }

  public Problem withHeader(String name, String value) {
    var copy = new java.util.LinkedHashMap<>(headers);
    copy.put(name, value);
    return new Problem(status, code, message, copy, serverFault);
  }
}
