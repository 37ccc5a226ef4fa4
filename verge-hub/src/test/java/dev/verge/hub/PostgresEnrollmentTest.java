package dev.verge.hub;

import java.nio.file.Path;

/**
 * Every {@link EnrollmentTest} again, the hub's tables on a real PostgreSQL server (see
 * TestPostgres).
 */
class PostgresEnrollmentTest extends EnrollmentTest {
  @Override
  TestHub startHub(Path dir) {
    return TestHub.startOnPostgres(dir);
  }
}
