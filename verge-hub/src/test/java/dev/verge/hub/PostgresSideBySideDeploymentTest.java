package dev.verge.hub;

import java.nio.file.Path;

/**
 * Every {@link SideBySideDeploymentTest} again, the hub's tables on a real PostgreSQL server (see
 * TestPostgres).
 */
class PostgresSideBySideDeploymentTest extends SideBySideDeploymentTest {
  @Override
  TestHub startHub(Path dir) {
    return TestHub.startOnPostgres(dir);
  }
}
