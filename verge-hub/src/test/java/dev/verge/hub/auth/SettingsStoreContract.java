package dev.verge.hub.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.hub.store.StoreContract;
import org.junit.jupiter.api.Test;

/** What every {@link SettingsStore} must do. */
public abstract class SettingsStoreContract extends StoreContract {
  @Test
  void admin_token_hash_is_set_once() {
    SettingsStore store = stores.settings();
    assertThat(store.adminTokenHash()).isEmpty();

    assertThat(store.initAdminTokenHash("first")).isTrue();
    assertThat(store.initAdminTokenHash("second")).isFalse();

    assertThat(store.adminTokenHash()).contains("first");
  }
}
