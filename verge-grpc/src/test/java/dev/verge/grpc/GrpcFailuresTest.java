package dev.verge.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import dev.verge.core.oip.TensorBudget;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

class GrpcFailuresTest {
  private final GrpcFailures failures = new GrpcFailures();

  @Test
  void a_tensor_over_the_request_budget_is_resource_exhausted_naming_it() {
    // REST answers 413 TENSOR_TOO_LARGE; gRPC answered INTERNAL and logged a warning.
    TensorBudget budget = new TensorBudget.Pool(1 << 20, "in flight").open(1024, "max-request-mb");
    RuntimeException tooLarge = catchRuntimeException(() -> budget.reserve("input 'x'", 4096));

    Status status = failures.map(tooLarge).getStatus();

    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("input 'x'").contains("max-request-mb");
  }

  @Test
  void a_tensor_the_requests_in_flight_leave_no_room_for_is_unavailable() {
    // REST answers 503 OVERLOADED with Retry-After: the same call may fit a moment later.
    TensorBudget.Pool pool = new TensorBudget.Pool(1024, "in flight");
    pool.open(1024, "max-request-mb").reserve("input 'a'", 900);
    TensorBudget second = pool.open(1024, "max-request-mb");
    RuntimeException overloaded = catchRuntimeException(() -> second.reserve("input 'b'", 500));

    Status status = failures.map(overloaded).getStatus();

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("input 'b'");
  }
}
