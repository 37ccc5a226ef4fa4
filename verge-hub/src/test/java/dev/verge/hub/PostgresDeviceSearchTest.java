package dev.verge.hub;

import java.nio.file.Path;

/** Every {@link DeviceSearchTest} again, on a real PostgreSQL server (see TestPostgres). */
class PostgresDeviceSearchTest extends DeviceSearchTest {
  @Override
  TestHub startHub(Path dir) {
    return TestHub.startOnPostgres(dir);
  }
}
