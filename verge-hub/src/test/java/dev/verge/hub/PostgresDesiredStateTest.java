package dev.verge.hub;

import java.nio.file.Path;

/**
 * Every {@link DesiredStateTest} again, the hub's tables on a real PostgreSQL server (see
 * TestPostgres).
 */
class PostgresDesiredStateTest extends DesiredStateTest {
  @Override
  TestHub startHub(Path dir) {
    return TestHub.startOnPostgres(dir);
  }
}
