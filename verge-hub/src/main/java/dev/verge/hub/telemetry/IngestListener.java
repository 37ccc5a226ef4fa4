package dev.verge.hub.telemetry;

import dev.verge.core.api.BatchAck;

/** Told of every prediction batch stored, for the hub's metrics. */
@FunctionalInterface
public interface IngestListener {
  IngestListener NONE = ack -> {};

  /** A batch was stored; {@code ack} says how many records were new and whether it was a resend. */
  void ingested(BatchAck ack);
}
