package dev.verge.agent.serving;

import dev.verge.agent.store.StoreBusyException;
import dev.verge.agent.store.StoreException;
import dev.verge.agent.store.StoreFullException;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.TensorBudgetException;
import dev.verge.http.ConcurrencyLimit;
import dev.verge.http.FailureMapping;
import dev.verge.http.Problem;
import dev.verge.runtime.EngineException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/** The one place where the agent's failures become HTTP statuses. */
final class AgentFailures implements FailureMapping {
  private static final System.Logger LOG = System.getLogger(AgentFailures.class.getName());

  /** How often an engine failure that keeps happening is logged again. */
  static final Duration FAILURE_LOG_INTERVAL = Duration.ofMinutes(1);

  private final ThrottledWarning engineFailures;
  private final ThrottledWarning storeBusy;

  AgentFailures() {
    this(System::nanoTime);
  }

  AgentFailures(LongSupplier nanoTime) {
    this.engineFailures = new ThrottledWarning(LOG, FAILURE_LOG_INTERVAL, nanoTime);
    this.storeBusy = new ThrottledWarning(LOG, FAILURE_LOG_INTERVAL, nanoTime);
  }

  @Override
  public Optional<Problem> map(Throwable failure) {
    return Optional.ofNullable(
        switch (failure) {
          case ProtocolException e -> Problem.refusal(400, "BAD_REQUEST", e.getMessage());
          case TensorBudgetException e ->
              e.overloaded()
                  ? Problem.refusal(503, "OVERLOADED", e.getMessage())
                      .withHeader(
                          "Retry-After", Long.toString(ConcurrencyLimit.RETRY_AFTER_SECONDS))
                  : Problem.refusal(413, "TENSOR_TOO_LARGE", e.getMessage());
          case ModelNotFoundException e -> Problem.refusal(404, "NO_SUCH_MODEL", e.getMessage());
          case RepositoryException e ->
              switch (e.kind()) {
                case NOT_FOUND -> Problem.refusal(404, "NO_SUCH_MODEL", e.getMessage());
                case LOAD_FAILED -> Problem.refusal(400, "LOAD_FAILED", e.getMessage());
                case NOT_MANAGED -> Problem.refusal(403, "LOCAL_CONTROL_OFF", e.getMessage());
              };
          case EngineException e -> {
            engineFailures.warn("inference failed: " + e.getMessage(), e);
            yield new Problem(500, "INFERENCE_FAILED", e.getMessage(), Map.of(), false);
          }
          case StoreFullException e -> {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
            yield Problem.refusal(507, "STORE_FULL", e.getMessage());
          }
          case StoreBusyException e -> {
            storeBusy.warn(e.getMessage(), null);
            yield Problem.refusal(503, "STORE_BUSY", e.getMessage()).withHeader("Retry-After", "1");
          }
          case StoreException e ->
              new Problem(
                  500,
                  "STORE_FAILURE",
                  "cannot record the prediction: " + e.getMessage(),
                  Map.of(),
                  true);
          default -> null;
        });
  }
}
