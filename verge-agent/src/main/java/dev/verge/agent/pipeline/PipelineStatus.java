package dev.verge.agent.pipeline;

import java.time.Instant;

/**
 * What one pipeline is doing, for {@code GET /verge/v1/status}, the metrics and tests.
 *
 * @param state {@code STARTING}; {@code RUNNING} (its last cycle worked); {@code WAITING_FOR_MODEL}
 *     (its model is not served yet, nothing read); {@code FAILING} (its last cycle failed, see
 *     {@code lastError})
 * @param cycles cycles ended, whatever their outcome
 * @param predictions readings the model answered (each recorded as a prediction)
 * @param rejected readings refused as bad input (a malformed line, a missing field)
 * @param failed readings the model failed on
 * @param fired rules that fired (each may run several actions)
 * @param lastCycleAt when the last cycle ended; null before the first
 * @param lastError why the last failed cycle failed; null when none has
 */
public record PipelineStatus(
    String name,
    String state,
    long cycles,
    long predictions,
    long rejected,
    long failed,
    long fired,
    Instant lastCycleAt,
    String lastError) {}
