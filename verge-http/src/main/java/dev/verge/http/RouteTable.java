package dev.verge.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A server's routes: finds the one for a method and path (404 for an unknown path, 405 naming the
 * allowed methods for a known one). {@code HEAD} is answered by the {@code GET} route.
 */
public final class RouteTable {
  private final List<Route> routes;
  // Each route's template split once, not on every request for every route.
  private final List<List<String>> patterns;

  public RouteTable(List<Route> routes) {
    Set<String> seen = new HashSet<>();
    for (Route route : routes) {
      if (!seen.add(route.method() + " " + route.template())) {
        throw new IllegalArgumentException(
            "two routes for " + route.method() + " " + route.template());
      }
    }
    this.routes = List.copyOf(routes);
    this.patterns = this.routes.stream().map(Route::segments).toList();
  }

  public List<Route> routes() {
    return routes;
  }

  /** A route and the path parameters it found. */
  public record Match(Route route, Map<String, String> params) {}

  /**
   * @throws HttpFailure.NoRoute when no route has the path
   * @throws HttpFailure.WrongMethod when routes have the path for other methods only
   */
  public Match find(String method, String rawPath) {
    List<String> path = segments(rawPath);
    String wanted = method.equals("HEAD") ? "GET" : method;
    Set<String> allowed = new TreeSet<>();
    for (int i = 0; i < routes.size(); i++) {
      Route route = routes.get(i);
      Map<String, String> params = Route.match(patterns.get(i), path);
      if (params == null) {
        continue;
      }
      if (route.method().equals(wanted)) {
        return new Match(route, params);
      }
      allowed.add(route.method());
      if (route.method().equals("GET")) {
        allowed.add("HEAD");
      }
    }
    if (allowed.isEmpty()) {
      throw new HttpFailure.NoRoute(method, rawPath);
    }
    throw new HttpFailure.WrongMethod(method, rawPath, allowed);
  }

  /** The decoded segments of a raw path; {@code /a/b%20c} is {@code [a, b c]}. */
  static List<String> segments(String rawPath) {
    String path = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/", -1)) {
      if (segment.indexOf('%') < 0) {
        segments.add(segment); // Nothing to decode ('+' stands for itself in a path).
        continue;
      }
      try {
        segments.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new HttpFailure.BadRequest("the path " + rawPath + " has a malformed %-escape");
      }
    }
    return segments;
  }
}
