package dev.verge.hub.telemetry;

/** What one round of {@link TelemetryStore#maintain} did. */
public sealed interface Maintained {
  /**
   * This hub did the round: day partitions created and dropped (PostgreSQL; none on SQLite), and
   * predictions deleted row by row (SQLite, or PostgreSQL's default partition).
   */
  record Done(int partitionsCreated, int partitionsDropped, long rowsDeleted)
      implements Maintained {}

  /** Another hub on the same PostgreSQL database was doing it, so this one did nothing. */
  record Busy() implements Maintained {}
}
