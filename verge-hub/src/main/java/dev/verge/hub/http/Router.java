package dev.verge.hub.http;

import dev.verge.hub.HubException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Finds the route for a method and path: 404 for an unknown path, 405 for a wrong method. */
final class Router {
  private final List<Route> routes;

  Router(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  record Match(Route route, Map<String, String> params) {}

  Match find(String method, String rawPath) {
    List<String> path = segments(rawPath);
    Set<String> allowed = new TreeSet<>();
    for (Route route : routes) {
      Map<String, String> params = route.match(path);
      if (params == null) {
        continue;
      }
      if (route.method().equals(method)) {
        return new Match(route, params);
      }
      allowed.add(route.method());
    }
    if (allowed.isEmpty()) {
      throw new HubException.NotFound("no endpoint " + rawPath);
    }
    throw new HubException.MethodNotAllowed(
        method + " is not allowed on " + rawPath + "; use " + String.join(", ", allowed), allowed);
  }

  /** The decoded segments of a raw path; {@code /a/b%20c} is {@code [a, b c]}. */
  static List<String> segments(String rawPath) {
    String path = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/", -1)) {
      try {
        segments.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new HubException.BadRequest("the path " + rawPath + " has a malformed %-escape");
      }
    }
    return segments;
  }
}
