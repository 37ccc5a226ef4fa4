package dev.verge.http;

import dev.verge.core.json.JsonFormatException;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The one place a failure becomes a status: the layer's own {@link HttpFailure}s, then the server's
 * {@link FailureMapping} for its domain failures, then 500 with a body that names no Java exception
 * (the log has it).
 */
final class Problems {
  private Problems() {}

  static Problem of(Throwable failure, FailureMapping mapping) {
    if (failure instanceof HttpFailure e) {
      Problem problem = Problem.refusal(e.status(), e.code(), e.getMessage());
      if (e instanceof HttpFailure.WrongMethod w) {
        problem = problem.withHeader("Allow", String.join(", ", new TreeSet<>(w.allowed())));
      }
      if (e instanceof HttpFailure.Overloaded o) {
        problem = problem.withHeader("Retry-After", Long.toString(o.retryAfterSeconds()));
      }
      return problem;
    }
    if (failure instanceof JsonFormatException e) {
      return Problem.refusal(400, "BAD_REQUEST", "the request body is " + e.getMessage());
    }
    Optional<Problem> mapped = mapping.map(failure);
    if (mapped.isPresent()) {
      return mapped.get();
    }
    return new Problem(
        500,
        "INTERNAL",
        "internal error; the server's log has the details",
        java.util.Map.of(),
        true);
  }
}
