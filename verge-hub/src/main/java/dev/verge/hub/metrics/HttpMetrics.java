package dev.verge.hub.metrics;

import dev.verge.http.RequestObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Set;

/**
 * Requests the hub answered, by method, route template and status: {@code
 * verge_hub_http_requests_seconds}. Labels come from the route table, never from the raw path, so
 * the number of series stays bounded whatever clients send.
 */
public final class HttpMetrics {
  /** The route label of a request that matched no route (404, 405). */
  public static final String UNMATCHED = "unmatched";

  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

  // Long polls of the desired state are held for up to a minute.
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60)
  };

  private final MeterRegistry registry;

  HttpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Counts one request the shared HTTP layer saw answered. */
  public void record(RequestObserver.Observation seen) {
    String route = RequestObserver.NO_ROUTE.equals(seen.route()) ? UNMATCHED : seen.route();
    record(seen.method(), route, seen.status(), seen.duration());
  }

  /**
   * Counts one answered request.
   *
   * @param routeTemplate the matched route's pattern, e.g. {@code /api/v1/devices/{id}}, or {@link
   *     #UNMATCHED}
   * @param status the status sent, 0 when none went out (the client went away first)
   */
  public void record(String method, String routeTemplate, int status, Duration duration) {
    Timer.builder("verge.hub.http.requests")
        .description("HTTP requests the hub answered, by method, route template and status")
        .tag("method", METHODS.contains(method) ? method : "OTHER")
        .tag("route", routeTemplate == null ? UNMATCHED : routeTemplate)
        .tag("status", status <= 0 ? "none" : Integer.toString(status))
        .serviceLevelObjectives(BUCKETS)
        .register(registry)
        .record(duration);
  }
}
