package dev.verge.hub.http;

import dev.verge.http.FailureMapping;
import dev.verge.http.Problem;
import dev.verge.hub.HubException;
import java.util.Map;
import java.util.Optional;

/** The one place that turns the hub's domain failures into HTTP statuses and headers. */
final class HubFailures implements FailureMapping {

  static int status(HubException e) {
    return switch (e) {
      case HubException.InvalidInput x -> 400;
      case HubException.NotAuthenticated x -> 401;
      case HubException.NotPermitted x -> 403;
      case HubException.NoSuchModel x -> 404;
      case HubException.NoSuchVersion x -> 404;
      case HubException.NoSuchDevice x -> 404;
      case HubException.NoSuchDeployment x -> 404;
      case HubException.NoSuchBundle x -> 404;
      case HubException.VersionConflict x -> 409;
      case HubException.RolloutConflict x -> 409;
      case HubException.NoPush x -> 409;
      case HubException.UploadTooLarge x -> 413;
      case HubException.RangeOutsideBundle x -> 416;
      case HubException.BundleRefused x -> 422;
      case HubException.StoreFailure x -> 500;
      case HubException.StoreBusy x -> 503;
      case HubException.DiskFull x -> 507;
    };
  }

  @Override
  public Optional<Problem> map(Throwable failure) {
    if (!(failure instanceof HubException e)) {
      return Optional.empty();
    }
    int status = status(e);
    if (e instanceof HubException.StoreFailure) {
      // The message may hold SQL details: the log has them, the client a plain sentence.
      return Optional.of(
          new Problem(
              status, "INTERNAL", "internal error; the hub's log has the details", Map.of(), true));
    }
    Problem problem = new Problem(status, e.code(), e.getMessage(), Map.of(), false);
    return Optional.of(
        switch (e) {
          case HubException.NotAuthenticated x ->
              problem.withHeader("WWW-Authenticate", "Bearer realm=\"verge\"");
          case HubException.RangeOutsideBundle x ->
              problem.withHeader("Content-Range", "bytes */" + x.size());
          case HubException.StoreBusy x -> problem.withHeader("Retry-After", "1");
          default -> problem;
        });
  }
}
