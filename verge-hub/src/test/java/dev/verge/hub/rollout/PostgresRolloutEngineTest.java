package dev.verge.hub.rollout;

/** Every {@link RolloutEngineTest} again, on a real PostgreSQL server (see TestPostgres). */
class PostgresRolloutEngineTest extends RolloutEngineTest {
  @Override
  RolloutFixture openFixture() {
    return RolloutFixture.onPostgres();
  }
}
