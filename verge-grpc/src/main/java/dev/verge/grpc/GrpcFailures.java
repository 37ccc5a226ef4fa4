package dev.verge.grpc;

import dev.verge.agent.serving.ModelNotFoundException;
import dev.verge.agent.serving.RepositoryException;
import dev.verge.agent.store.StoreException;
import dev.verge.agent.store.StoreFullException;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.TensorBudgetException;
import dev.verge.runtime.EngineException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one place where the agent's failures become gRPC status codes, as Triton maps its own: an
 * unknown model or version NOT_FOUND, a request that does not fit the model INVALID_ARGUMENT, a
 * failure inside the model INTERNAL, a full store RESOURCE_EXHAUSTED. The message is the same text
 * the REST door answers.
 */
final class GrpcFailures {
  private static final System.Logger LOG = System.getLogger(GrpcFailures.class.getName());

  /** How often a failure that keeps happening is logged again. */
  static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_INTERVAL.toNanos());

  StatusRuntimeException map(RuntimeException failure) {
    Status status =
        switch (failure) {
          case StatusRuntimeException e -> e.getStatus();
          case ModelNotFoundException e -> Status.NOT_FOUND.withDescription(e.getMessage());
          case RepositoryException e ->
              switch (e.kind()) {
                case NOT_FOUND -> Status.NOT_FOUND.withDescription(e.getMessage());
                case LOAD_FAILED -> Status.INVALID_ARGUMENT.withDescription(e.getMessage());
                case NOT_MANAGED -> Status.PERMISSION_DENIED.withDescription(e.getMessage());
              };
          case ProtocolException e -> Status.INVALID_ARGUMENT.withDescription(e.getMessage());
          // REST's 503 for the shared bytes in flight, its 413 for a tensor too large.
          case TensorBudgetException e when e.overloaded() ->
              Status.UNAVAILABLE.withDescription(e.getMessage());
          case TensorBudgetException e -> Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
          case EngineException e -> {
            warn("inference failed: " + e.getMessage(), e);
            yield Status.INTERNAL.withDescription(e.getMessage());
          }
          case StoreFullException e -> {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
            yield Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
          }
          case StoreException e ->
              Status.INTERNAL.withDescription("cannot record the prediction: " + e.getMessage());
          default -> {
            warn("unexpected failure in a gRPC call: " + failure, failure);
            yield Status.INTERNAL.withDescription(
                "internal error: " + failure.getClass().getName());
          }
        };
    return status.asRuntimeException();
  }

  /** A version that is not a whole number, refused as Triton refuses it. */
  static StatusRuntimeException badVersion(String name, String version) {
    return Status.INVALID_ARGUMENT
        .withDescription(
            "model '" + name + "' has no version '" + version + "': versions are whole numbers")
        .asRuntimeException();
  }

  /** The version a request names, null for the active one (an empty string). */
  static Long version(String name, String text) {
    if (text.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw badVersion(name, text);
    }
  }

  static StatusRuntimeException noName(String what) {
    return Status.INVALID_ARGUMENT.withDescription(what + " names no model").asRuntimeException();
  }

  private void warn(String message, Throwable failure) {
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last >= LOG_INTERVAL.toNanos() && lastLogged.compareAndSet(last, now)) {
      LOG.log(System.Logger.Level.WARNING, message, failure);
    }
  }
}
