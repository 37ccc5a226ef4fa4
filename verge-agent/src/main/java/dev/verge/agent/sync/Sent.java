package dev.verge.agent.sync;

import dev.verge.core.api.BatchAck;

/**
 * What one upload took: the hub's acknowledgement, and the body's size as JSON and on the wire.
 *
 * @param compressed whether the body went gzip-compressed
 */
public record Sent(BatchAck ack, long jsonBytes, long wireBytes, boolean compressed) {}
