package dev.verge.hub.http;

import dev.verge.hub.HubException;
import java.io.IOException;
import java.util.TreeSet;

/** The one place that turns failures into HTTP statuses and JSON error bodies. */
final class ErrorMapping {
  private static final System.Logger LOG = System.getLogger(ErrorMapping.class.getName());

  private ErrorMapping() {}

  static int status(HubException e) {
    return switch (e) {
      case HubException.BadRequest x -> 400;
      case HubException.Unauthorized x -> 401;
      case HubException.Forbidden x -> 403;
      case HubException.NotFound x -> 404;
      case HubException.MethodNotAllowed x -> 405;
      case HubException.Conflict x -> 409;
      case HubException.PayloadTooLarge x -> 413;
      case HubException.RangeNotSatisfiable x -> 416;
      case HubException.Unprocessable x -> 422;
      case HubException.StoreFailure x -> 500;
      case HubException.InsufficientStorage x -> 507;
      case HubException.Unavailable x -> 503;
    };
  }

  static void respond(Call call, Exception failure) {
    String request = call.method() + " " + call.rawPath();
    if (call.responded()) {
      // Mid-body (e.g. the client went away during a download): too late for an error response.
      LOG.log(System.Logger.Level.DEBUG, () -> request + " failed after responding", failure);
      return;
    }
    int status;
    ApiError body;
    if (failure instanceof HubException e) {
      status = status(e);
      body =
          status >= 500
                  && !(e instanceof HubException.Unavailable)
                  && !(e instanceof HubException.InsufficientStorage)
              ? internal()
              : new ApiError(e.getMessage(), e.code());
      addHeaders(call, e);
    } else {
      status = 500;
      body = internal();
    }
    if (status >= 500) {
      LOG.log(System.Logger.Level.ERROR, request + " failed", failure);
    } else {
      LOG.log(
          System.Logger.Level.DEBUG, () -> request + " -> " + status + ": " + failure.getMessage());
    }
    try {
      call.respondJson(status, body);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> "cannot send the error for " + request, e);
    }
  }

  private static void addHeaders(Call call, HubException e) {
    switch (e) {
      case HubException.Unauthorized x ->
          call.responseHeaders().set("WWW-Authenticate", "Bearer realm=\"verge\"");
      case HubException.MethodNotAllowed x ->
          call.responseHeaders().set("Allow", String.join(", ", new TreeSet<>(x.allowed())));
      case HubException.RangeNotSatisfiable x ->
          call.responseHeaders().set("Content-Range", "bytes */" + x.size());
      case HubException.Unavailable x -> call.responseHeaders().set("Retry-After", "1");
      default -> {}
    }
  }

  private static ApiError internal() {
    return new ApiError("internal error; the hub's log has the details", "INTERNAL");
  }
}
