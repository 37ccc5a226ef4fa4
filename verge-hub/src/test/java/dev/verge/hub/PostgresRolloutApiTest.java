package dev.verge.hub;

import java.nio.file.Path;

/**
 * Every {@link RolloutApiTest} again, the hub's tables on a real PostgreSQL server (see
 * TestPostgres).
 */
class PostgresRolloutApiTest extends RolloutApiTest {
  @Override
  TestHub startHub(Path dir) {
    return TestHub.startOnPostgres(dir);
  }
}
