package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.store.StoreException;
import dev.verge.agent.store.StoreFullException;
import org.junit.jupiter.api.Test;

class HttpErrorsTest {

  @Test
  void a_full_store_is_507_insufficient_storage_with_its_message() {
    HttpErrors.Failure failure =
        HttpErrors.of(new StoreFullException("the prediction store is full", null));

    assertThat(failure.status()).isEqualTo(507);
    assertThat(failure.message()).isEqualTo("the prediction store is full");
  }

  @Test
  void any_other_store_failure_is_500_naming_the_prediction() {
    HttpErrors.Failure failure = HttpErrors.of(new StoreException("disk I/O error", null));

    assertThat(failure.status()).isEqualTo(500);
    assertThat(failure.message()).contains("cannot record the prediction").contains("disk I/O");
  }
}
