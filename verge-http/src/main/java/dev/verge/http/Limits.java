package dev.verge.http;

/**
 * How large a request body may be. JSON is read into a tree that takes several times the text's
 * size, so its limit follows the heap: a body that would not fit is refused with 413 before any
 * tree is built, never an {@link OutOfMemoryError}. Raw bytes (a bundle upload, binary tensors)
 * cost their size and may be larger.
 *
 * @param jsonBytes the most bytes of JSON text a request may carry, after decoding
 * @param bodyBytes the most bytes any buffered body may carry, after decoding
 */
public record Limits(long jsonBytes, long bodyBytes) {
  /** Tree-building JSON takes up to ~10x its text; 1/32 of the heap leaves room for a few. */
  static final int JSON_HEAP_SHARE = 32;

  /** A buffered body is copied a couple of times (bytes, tensors): 1/8 of the heap. */
  static final int BODY_HEAP_SHARE = 8;

  public Limits {
    if (jsonBytes < 1 || bodyBytes < jsonBytes) {
      throw new IllegalArgumentException(
          "limits need 1 <= jsonBytes <= bodyBytes, got " + jsonBytes + " and " + bodyBytes);
    }
  }

  /** The limits for a heap of {@code maxHeapBytes}, no larger than the given caps. */
  public static Limits forHeap(long maxHeapBytes, long jsonCap, long bodyCap) {
    long json = Math.min(jsonCap, maxHeapBytes / JSON_HEAP_SHARE);
    long body = Math.max(json, Math.min(bodyCap, maxHeapBytes / BODY_HEAP_SHARE));
    return new Limits(json, body);
  }

  /** The limits for this JVM's heap ({@code -Xmx}). */
  public static Limits forThisHeap(long jsonCap, long bodyCap) {
    return forHeap(Runtime.getRuntime().maxMemory(), jsonCap, bodyCap);
  }
}
