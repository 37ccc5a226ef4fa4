package dev.verge.http;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One endpoint: a method, a path template with {@code {name}} segments, who may call it, and what
 * the OpenAPI document says of it (a summary, the request body, the answer and its status).
 *
 * <pre>{@code
 * Route.get("/api/v1/models/{name}", this::model)
 *     .guard(ADMIN).summary("One model and its versions").responds(200, Body.json(ModelView.class))
 * }</pre>
 */
public record Route(
    String method,
    String template,
    Guard guard,
    String summary,
    Body request,
    int status,
    Body response,
    Handler handler) {

  /** Answers one request; throws to fail it (the server's {@link FailureMapping} decides how). */
  @FunctionalInterface
  public interface Handler {
    void handle(Exchange exchange) throws IOException;
  }

  public Route {
    if (!template.startsWith("/")) {
      throw new IllegalArgumentException("a route template starts with '/': " + template);
    }
  }

  public static Route of(String method, String template, Handler handler) {
    return new Route(method, template, Guard.OPEN, "", null, 200, null, handler);
  }

  public static Route get(String template, Handler handler) {
    return of("GET", template, handler);
  }

  public static Route post(String template, Handler handler) {
    return of("POST", template, handler);
  }

  public static Route put(String template, Handler handler) {
    return of("PUT", template, handler);
  }

  public Route guard(Guard guard) {
    return new Route(method, template, guard, summary, request, status, response, handler);
  }

  public Route summary(String summary) {
    return new Route(method, template, guard, summary, request, status, response, handler);
  }

  public Route accepts(Body request) {
    return new Route(method, template, guard, summary, request, status, response, handler);
  }

  /** The status of a successful answer and its body, null for none (204, 304). */
  public Route responds(int status, Body response) {
    return new Route(method, template, guard, summary, request, status, response, handler);
  }

  /** The template's segments, {@code /a/{b}} is {@code [a, {b}]}. */
  List<String> segments() {
    return List.of(template.substring(1).split("/", -1));
  }

  /** The names of the template's parameters, in order. */
  public List<String> parameters() {
    List<String> names = new ArrayList<>();
    for (String segment : segments()) {
      if (isParameter(segment)) {
        names.add(segment.substring(1, segment.length() - 1));
      }
    }
    return names;
  }

  /** The path parameters if {@code path} fits the template, else null. */
  Map<String, String> match(List<String> path) {
    return match(segments(), path);
  }

  /**
   * The path parameters if {@code path} fits {@code pattern} (a template's {@link #segments()},
   * split once by {@link RouteTable}), else null.
   */
  static Map<String, String> match(List<String> pattern, List<String> path) {
    if (path.size() != pattern.size()) {
      return null;
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < path.size(); i++) {
      String want = pattern.get(i);
      if (isParameter(want)) {
        if (path.get(i).isEmpty()) {
          return null;
        }
        params.put(want.substring(1, want.length() - 1), path.get(i));
      } else if (!want.equals(path.get(i))) {
        return null;
      }
    }
    return params;
  }

  private static boolean isParameter(String segment) {
    return segment.startsWith("{") && segment.endsWith("}");
  }
}
