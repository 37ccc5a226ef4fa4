package dev.verge.hub;

import java.nio.file.Path;

/**
 * Every {@link DeploymentTest} again, the hub's tables on a real PostgreSQL server (see
 * TestPostgres).
 */
class PostgresDeploymentTest extends DeploymentTest {
  @Override
  TestHub startHub(Path dir) {
    return TestHub.startOnPostgres(dir);
  }
}
