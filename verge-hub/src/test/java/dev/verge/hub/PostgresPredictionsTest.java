package dev.verge.hub;

import java.nio.file.Path;

/**
 * Every {@link PredictionsTest} again, the hub's tables on a real PostgreSQL server (see
 * TestPostgres).
 */
class PostgresPredictionsTest extends PredictionsTest {
  @Override
  TestHub startHub(Path dir) {
    return TestHub.startOnPostgres(dir);
  }
}
