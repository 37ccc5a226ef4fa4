package dev.verge.agent.serving;

import java.util.Map;

/** What {@code GET /metrics} answers; it checks the caller's right to read it itself. */
@FunctionalInterface
public interface MetricsPage {
  /** No metrics: the server then has no {@code /metrics} route at all. */
  MetricsPage NONE =
      (accept, authorization) -> {
        throw new IllegalStateException("no metrics are served");
      };

  /**
   * The answer to a scrape.
   *
   * @param accept the request's {@code Accept} header, null when absent
   * @param authorization the request's {@code Authorization} header, null when absent
   */
  Page render(String accept, String authorization);

  /** A status, its body and headers (such as {@code WWW-Authenticate} on a 401). */
  record Page(int status, String contentType, byte[] body, Map<String, String> headers) {}
}
