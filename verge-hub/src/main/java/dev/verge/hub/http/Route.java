package dev.verge.hub.http;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One endpoint: a method, a path pattern with {@code {name}} segments, who may call it. */
record Route(String method, List<String> pattern, Access access, Handler handler) {

  @FunctionalInterface
  interface Handler {
    void handle(Call call) throws IOException;
  }

  static Route of(String method, String pattern, Access access, Handler handler) {
    return new Route(method, Router.segments(pattern), access, handler);
  }

  /** The pattern as written, e.g. {@code /api/v1/devices/{id}}: a bounded metrics label. */
  String template() {
    return "/" + String.join("/", pattern);
  }

  /** The path parameters if {@code path} fits the pattern, else null. */
  Map<String, String> match(List<String> path) {
    if (path.size() != pattern.size()) {
      return null;
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < path.size(); i++) {
      String want = pattern.get(i);
      if (want.startsWith("{") && want.endsWith("}")) {
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
}
