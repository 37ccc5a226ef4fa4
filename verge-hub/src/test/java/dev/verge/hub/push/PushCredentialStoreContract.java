package dev.verge.hub.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.hub.store.StoreContract;
import dev.verge.hub.store.StoreFixtures;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What every {@link PushCredentialStore} must do. */
public abstract class PushCredentialStoreContract extends StoreContract {
  @Test
  void a_new_credential_replaces_the_devices_earlier_one_and_all_come_back_in_device_order() {
    StoreFixtures.enroll(stores.devices(), "dev-b", Map.of());
    StoreFixtures.enroll(stores.devices(), "dev-a", Map.of());
    PushCredentialStore store = stores.pushCredentials();

    store.put("dev-b", "$7$first", Instant.EPOCH);
    store.put("dev-a", "$7$a", Instant.EPOCH);
    store.put("dev-b", "$7$second", Instant.EPOCH.plusSeconds(1));

    Map<String, String> all = new LinkedHashMap<>();
    store.forEach(all::put);
    assertThat(all).containsExactly(Map.entry("dev-a", "$7$a"), Map.entry("dev-b", "$7$second"));
    assertThat(store.count()).isEqualTo(2);
  }
}
