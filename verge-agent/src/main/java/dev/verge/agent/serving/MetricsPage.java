package dev.verge.agent.serving;

import java.util.Map;

/** What {@code GET /metrics} answers; it checks the caller's right to read it itself. */
@FunctionalInterface
public interface MetricsPage {
  /** A page that does not exist: {@code /metrics} is then a 404. */
  MetricsPage NONE = (accept, authorization) -> null;

  /**
   * The answer to a scrape, or null when this agent serves no metrics.
   *
   * @param accept the request's {@code Accept} header, null when absent
   * @param authorization the request's {@code Authorization} header, null when absent
   */
  Page render(String accept, String authorization);

  /** A status, its body and headers (such as {@code WWW-Authenticate} on a 401). */
  record Page(int status, String contentType, byte[] body, Map<String, String> headers) {}
}
