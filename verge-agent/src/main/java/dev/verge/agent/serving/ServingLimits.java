package dev.verge.agent.serving;

/**
 * What the inference API lets requests take, so that no input can exhaust the agent: tensor bytes
 * per request (each input's and output's shape × element size, checked before it is allocated),
 * bytes of all requests in flight together (bodies and tensors), and infer calls at once. The
 * defaults follow the heap ({@code -Xmx}).
 *
 * @param maxRequestBytes the tensor bytes one request may take (inputs, outputs, the answer's
 *     text); more is refused with 413
 * @param maxInFlightBytes what the requests in flight may take together; a request that would pass
 *     it is refused with 503 and {@code Retry-After}
 * @param maxConcurrentRequests infer calls at once; one more is refused with 503 and {@code
 *     Retry-After}, never queued
 */
public record ServingLimits(
    long maxRequestBytes, long maxInFlightBytes, int maxConcurrentRequests) {

  private static final long MIB = 1024 * 1024;

  /** Tensors of one request: the same share of the heap as its largest body. */
  static final int REQUEST_HEAP_SHARE = 8;

  /** Everything in flight: half the heap, the other half for the agent itself and garbage. */
  static final int IN_FLIGHT_HEAP_SHARE = 2;

  /** More than two cores can run at once many times over, few enough to bound what they hold. */
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 64;

  public ServingLimits {
    if (maxRequestBytes < 1) {
      throw new IllegalArgumentException(
          "the tensor budget of a request must be 1 byte or more, got " + maxRequestBytes);
    }
    if (maxInFlightBytes < maxRequestBytes) {
      throw new IllegalArgumentException(
          "the bytes in flight ("
              + maxInFlightBytes
              + ") must hold at least one request's budget ("
              + maxRequestBytes
              + ")");
    }
    if (maxConcurrentRequests < 1) {
      throw new IllegalArgumentException(
          "the concurrent request limit must be 1 or more, got " + maxConcurrentRequests);
    }
  }

  /** The limits for a heap of {@code maxHeapBytes}. */
  public static ServingLimits forHeap(long maxHeapBytes) {
    // Whole MiB, as max-request-mb sets it, so the default and the setting's default agree.
    long perRequest = Math.max(MIB, maxHeapBytes / REQUEST_HEAP_SHARE / MIB * MIB);
    return new ServingLimits(
        perRequest,
        Math.max(perRequest, maxHeapBytes / IN_FLIGHT_HEAP_SHARE),
        DEFAULT_MAX_CONCURRENT_REQUESTS);
  }

  /** The limits for this JVM's heap. */
  public static ServingLimits defaults() {
    return forHeap(Runtime.getRuntime().maxMemory());
  }

  /** With another per-request budget; the bytes in flight grow to hold it if they must. */
  public ServingLimits withMaxRequestBytes(long bytes) {
    return new ServingLimits(bytes, Math.max(bytes, maxInFlightBytes), maxConcurrentRequests);
  }

  public ServingLimits withMaxConcurrentRequests(int max) {
    return new ServingLimits(maxRequestBytes, maxInFlightBytes, max);
  }
}
