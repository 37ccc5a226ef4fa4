package dev.verge.http;

import java.util.Optional;

/**
 * A server's one map from its domain failures to {@link Problem}s. The layer maps its own {@link
 * HttpFailure}s and malformed JSON first, and anything the mapping leaves empty becomes a 500 whose
 * body names no Java exception.
 */
@FunctionalInterface
public interface FailureMapping {
  Optional<Problem> map(Throwable failure);

  FailureMapping NONE = failure -> Optional.empty();
}
