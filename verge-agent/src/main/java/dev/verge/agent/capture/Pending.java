package dev.verge.agent.capture;

import dev.verge.core.oip.Tensor;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One answered prediction waiting for the writer, its tensors not encoded yet.
 *
 * @param outputs the output tensors; null when {@code outputsJson} holds them already
 * @param outputsJson the outputs as JSON when they could not fit the cap in any case (described on
 *     the request's thread so that their data is not held); null otherwise
 * @param inputs the input tensors when the policy records them and they are not described yet, else
 *     null
 * @param inputsJson the inputs as JSON when they could not fit the cap in any case; null otherwise
 * @param heldKib the queue budget this record holds until it is written or dropped
 * @param capturedNanos {@link System#nanoTime()} when capture took it, the answer's moment in
 *     {@link CaptureConfig.Mode#BUFFERED}
 * @param done completed with the record's sequence once it is committed, in {@link
 *     CaptureConfig.Mode#SYNC}; null in {@link CaptureConfig.Mode#BUFFERED}
 */
record Pending(
    Instant time,
    String model,
    long version,
    long latencyMicros,
    String requestId,
    List<Tensor> outputs,
    String outputsJson,
    List<Tensor> inputs,
    String inputsJson,
    int maxRecordBytes,
    int heldKib,
    long capturedNanos,
    CompletableFuture<Long> done) {}
