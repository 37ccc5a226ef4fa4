package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import dev.verge.hub.store.PostgresServer;
import dev.verge.hub.store.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hub's store, store-password-file, store-pool and bundles settings. */
class StoreSettingsTest {
  @TempDir Path dir;

  private HubConfig config(Map<String, String> flags) {
    Map<String, String> env = Map.of("VERGE_HUB_DATA", dir.resolve("hub").toString());
    Map<String, java.util.List<String>> given = new HashMap<>();
    flags.forEach((name, value) -> given.put("--" + name, java.util.List.of(value)));
    return HubSettings.toConfig(Settings.resolve("hub", HubSettings.ALL, null, env, given));
  }

  @Test
  void the_default_store_is_sqlite_in_the_data_folder_with_bundles_beside_it() {
    HubConfig config = config(Map.of());

    assertThat(config.postgres()).isNull();
    assertThat(config.bundles()).isEqualTo(dir.resolve("hub").resolve("bundles"));
  }

  @Test
  void a_postgresql_store_takes_its_password_from_the_file_and_its_pool_size() throws Exception {
    Path password = Files.writeString(dir.resolve("pw"), "s3cret\n");

    HubConfig config =
        config(
            Map.of(
                "store",
                "postgresql://verge@db.internal/fleet",
                "store-password-file",
                password.toString(),
                "store-pool",
                "4",
                "bundles",
                dir.resolve("shared").toString()));

    assertThat(config.postgres().jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5432/fleet");
    assertThat(config.postgres().user()).isEqualTo("verge");
    assertThat(config.postgres().password()).isEqualTo("s3cret");
    assertThat(config.postgres().poolSize()).isEqualTo(4);
    assertThat(config.bundles()).isEqualTo(dir.resolve("shared"));
  }

  @Test
  void prediction_retention_takes_days_or_hours_or_none_and_refuses_anything_else() {
    assertThat(config(Map.of()).predictionRetention()).isEqualTo(Duration.ofDays(30));
    assertThat(config(Map.of("prediction-retention", "7d")).predictionRetention())
        .isEqualTo(Duration.ofDays(7));
    assertThat(config(Map.of("prediction-retention", "36h")).predictionRetention())
        .isEqualTo(Duration.ofHours(36));
    assertThat(config(Map.of("prediction-retention", "none")).predictionRetention()).isZero();
    assertThatThrownBy(() -> config(Map.of("prediction-retention", "5m")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("prediction-retention = '5m' (flag --prediction-retention)")
        .hasMessageContaining("is not a number of days (30d) or hours (36h)");
  }

  @Test
  void a_bad_store_url_is_refused_naming_the_setting_without_its_password() {
    assertThatThrownBy(() -> config(Map.of("store", "postgresql://verge:hunter2@db.internal")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("store = 'postgresql://verge:***@db.internal' (flag --store)")
        .hasMessageContaining("names no database")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> config(Map.of("store", "mysql://db/fleet")))
        .hasMessageContaining("is neither sqlite nor a postgresql:// URL");
  }

  @Test
  void a_password_file_is_refused_when_empty_too_large_or_given_for_sqlite() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    Path large = Files.write(dir.resolve("large"), new byte[OnDisk.MAX_SECRET_BYTES + 1]);
    String url = "postgresql://verge@db/fleet";

    assertThatThrownBy(() -> config(Map.of("store", url, "store-password-file", empty.toString())))
        .hasMessageContaining("is an empty file");
    assertThatThrownBy(() -> config(Map.of("store", url, "store-password-file", large.toString())))
        .hasMessageContaining("is larger than 4096 bytes");
    assertThatThrownBy(() -> config(Map.of("store-password-file", empty.toString())))
        .hasMessageContaining("is for a PostgreSQL store, but store is sqlite");
  }

  /** The settings as `verge hub` reads them, all the way to a hub serving from PostgreSQL. */
  @Test
  void a_hub_started_from_the_store_settings_keeps_its_tables_in_postgresql() throws Exception {
    PostgresServer server = TestPostgres.freshDatabase();
    String url = "postgresql://" + server.user() + "@" + server.display();
    Map<String, String> flags = new HashMap<>(Map.of("store", url, "port", "0"));
    if (server.password() != null) {
      flags.put(
          "store-password-file",
          Files.writeString(dir.resolve("pw"), server.password()).toString());
    }

    try (Hub hub = Hub.start(config(flags))) {
      HttpResponse<String> devices =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(hub.url() + "/api/v1/devices"))
                      .header("Authorization", "Bearer " + hub.adminToken())
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(devices.statusCode()).isEqualTo(200);
    }
    assertThat(dir.resolve("hub").resolve(Hub.DATABASE_FILE)).doesNotExist();
    try (var db = dev.verge.hub.store.Database.openPostgres(server)) {
      assertThat(new dev.verge.hub.auth.SqlSettingsStore(db).adminTokenHash()).isPresent();
    }
  }
}
