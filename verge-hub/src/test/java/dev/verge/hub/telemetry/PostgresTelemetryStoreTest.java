package dev.verge.hub.telemetry;

import static dev.verge.hub.store.StoreFixtures.enroll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@link TelemetryStoreContract} on a real PostgreSQL server (see TestPostgres). */
class PostgresTelemetryStoreTest extends TelemetryStoreContract {
  @Override
  protected HubStores openStores() {
    return DatabaseStores.postgres();
  }

  private List<String> tables() {
    return ((DatabaseStores) stores)
        .db()
        .read(
            h ->
                h.createQuery(
                        "SELECT relname FROM pg_class WHERE relkind = 'r'"
                            + " AND relname LIKE 'predictions\\_%' ORDER BY relname")
                    .mapTo(String.class)
                    .list());
  }

  @Test
  void a_round_makes_day_partitions_a_week_either_side_and_retention_drops_whole_days() {
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    enroll(stores.devices(), "dev-1", Map.of());
    TelemetryStore store = stores.telemetry();

    assertThat(store.maintain(now, Duration.ZERO)).isEqualTo(new Maintained.Done(15, 0, 0));
    store.recordBatch(
        "dev-1", "k1", List.of(new Prediction(1, now, "iris", 2, 10, null, null, null)), now);
    Maintained later = store.maintain(now.plus(Duration.ofDays(9)), Duration.ofDays(3));

    // Cutoff Mar 7, noon: Feb 22 to Mar 6 go (13 days), Mar 7 stays; Mar 9 to Mar 17 are new.
    assertThat(later).isEqualTo(new Maintained.Done(9, 13, 0));
    assertThat(tables()).first().isEqualTo("predictions_default");
    assertThat(tables())
        .contains("predictions_p20260307", "predictions_p20260317")
        .doesNotContain("predictions_p20260301", "predictions_p20260306");
    assertThat(store.storedCount("dev-1")).isZero();
  }
}
