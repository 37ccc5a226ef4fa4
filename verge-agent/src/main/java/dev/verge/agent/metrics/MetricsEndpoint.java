package dev.verge.agent.metrics;

import dev.verge.agent.serving.MetricsPage;
import dev.verge.core.api.ApiError;
import dev.verge.core.json.Json;
import dev.verge.http.metrics.PrometheusScraper.Scrape;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.function.Function;

/**
 * Who may read the agent's {@code /metrics}: with a configured token, whoever sends it as a bearer
 * token; without one, anyone, but only while the API listens on loopback, like the rest of the
 * local API. An agent bound to another address serves no metrics without a token.
 */
final class MetricsEndpoint implements MetricsPage {
  private static final String SCHEME = "Bearer ";
  private static final String JSON = "application/json";

  private final Function<String, Scrape> scrape;
  private final byte[] token;
  private final boolean loopback;

  /**
   * @param token the bearer token scrapers must send, null for none
   * @param loopback whether the API listens on a loopback address only
   */
  MetricsEndpoint(Function<String, Scrape> scrape, String token, boolean loopback) {
    this.scrape = scrape;
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.loopback = loopback;
  }

  @Override
  public Page render(String accept, String authorization) {
    if (token != null && !matches(authorization)) {
      return error(
          401,
          "UNAUTHORIZED",
          authorization == null
              ? "/metrics needs 'Authorization: Bearer <token>' with the agent's metrics token"
              : "the bearer token is not this agent's metrics token",
          Map.of("WWW-Authenticate", "Bearer realm=\"verge-agent\""));
    }
    if (token == null && !loopback) {
      return error(
          403,
          "FORBIDDEN",
          "/metrics answers without a token only while the agent's API is bound to loopback;"
              + " start the agent with --metrics-token-file FILE and have the scraper send"
              + " 'Authorization: Bearer <token>'",
          Map.of());
    }
    Scrape page = scrape.apply(accept);
    return new Page(200, page.contentType(), page.body(), Map.of());
  }

  private boolean matches(String authorization) {
    if (authorization == null
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return false;
    }
    byte[] sent = authorization.substring(SCHEME.length()).strip().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(sent, token);
  }

  private static Page error(int status, String code, String message, Map<String, String> headers) {
    return new Page(status, JSON, Json.write(new ApiError(message, code)), headers);
  }
}
