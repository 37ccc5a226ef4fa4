package dev.verge.http;

import java.time.Duration;

/**
 * Sees every request once, after it was answered: the route's template (never the raw path, so a
 * metric labelled by it stays bounded), the method, the status sent and how long it took. This is
 * the hook for request metrics; a failing observer is logged and never fails the request.
 */
@FunctionalInterface
public interface RequestObserver {
  /** The route reported for requests that matched no route. */
  String NO_ROUTE = "(none)";

  void observe(Observation observation);

  /** One answered request. */
  record Observation(String method, String route, int status, Duration duration) {}

  RequestObserver NONE = observation -> {};
}
