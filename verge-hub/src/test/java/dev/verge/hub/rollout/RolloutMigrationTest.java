package dev.verge.hub.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import dev.verge.hub.device.SqlDeviceStore;
import dev.verge.hub.model.SqlModelStore;
import dev.verge.hub.store.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/** Deployments made before rollouts existed keep reaching their devices after the upgrade. */
class RolloutMigrationTest {
  @TempDir Path dir;

  @Test
  void a_deployment_from_before_rollouts_becomes_a_completed_rollout_of_its_matching_devices()
      throws Exception {
    Path file = dir.resolve("hub.db");
    SQLiteDataSource source = new SQLiteDataSource();
    source.setUrl("jdbc:sqlite:" + file);
    Flyway.configure()
        .dataSource(source)
        .locations(Database.SQLITE_MIGRATIONS)
        .target("2")
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.executeUpdate(
          "INSERT INTO model_versions VALUES ('pump', 1, '"
              + "a".repeat(64)
              + "', 10, 'k', 0, '[]', '[]', '{}')");
      s.executeUpdate(
          "INSERT INTO devices (id, name, labels_json, credential_sha256, enrolled_at)"
              + " VALUES ('lab', 'lab', '{\"site\":\"lab\",\"arch\":\"arm\"}', 'c1', 0),"
              + " ('field', 'field', '{\"site\":\"field\"}', 'c2', 0)");
      s.executeUpdate(
          "INSERT INTO deployments (model, version, selector_json, rollback, created_at)"
              + " VALUES ('pump', 1, '{\"site\":\"lab\",\"arch\":\"arm\"}', 0, 1000)");
    }

    try (Database db = Database.openSqlite(file);
        Rollouts rollouts =
            new Rollouts(
                new SqlRolloutStore(db),
                Fleet.of(new SqlDeviceStore(db), new SqlModelStore(db)),
                java.time.Clock.systemUTC(),
                RolloutFixture.config("hub-a"))) {
      DeploymentView view = rollouts.list().getFirst();

      assertThat(view.state()).isEqualTo(RolloutPhase.COMPLETED);
      assertThat(view.selector()).isEqualTo("arch=arm,site=lab");
      assertThat(view.devices())
          .singleElement()
          .satisfies(
              d -> {
                assertThat(d.deviceId()).isEqualTo("lab");
                assertThat(d.state()).isEqualTo(RolloutState.PENDING);
              });
      var device = new SqlDeviceStore(db).device("lab").orElseThrow();
      assertThat(rollouts.desired(device))
          .singleElement()
          .satisfies(m -> assertThat(m.bundleDigest()).isEqualTo("a".repeat(64)));
    }
  }
}
