package dev.verge.runtime;

import java.nio.ByteBuffer;

/**
 * The bytes of one model version and the names it is served under: on the heap ({@code model}), or
 * off it in a direct buffer ({@link #offHeap(String, long, ByteBuffer)}), which ONNX Runtime reads
 * in place, so a large model does not take the heap while its session is built.
 *
 * @param model the model's bytes on the heap; null for an off-heap source
 * @param offHeap a direct buffer holding the model from its position to its limit; null for bytes
 *     on the heap
 */
public record ModelSource(String name, long version, byte[] model, ByteBuffer offHeap) {
  public ModelSource {
    if ((model == null) == (offHeap == null)) {
      throw new IllegalArgumentException("a model source holds either bytes or a direct buffer");
    }
    if (offHeap != null && !offHeap.isDirect()) {
      throw new IllegalArgumentException("an off-heap model source needs a direct buffer");
    }
  }

  public ModelSource(String name, long version, byte[] model) {
    this(name, version, model, null);
  }

  /** A model held in {@code direct}, a direct buffer, read from its position to its limit. */
  public static ModelSource offHeap(String name, long version, ByteBuffer direct) {
    return new ModelSource(name, version, null, direct);
  }

  /**
   * The model's bytes on the heap: for an off-heap source a copy, made only where bytes are needed
   * (a graph rewritten before it loads).
   */
  @Override
  public byte[] model() {
    if (model != null) {
      return model;
    }
    byte[] copy = new byte[offHeap.remaining()];
    offHeap.duplicate().get(copy);
    return copy;
  }

  /** The model's size in bytes. */
  public long size() {
    return model != null ? model.length : offHeap.remaining();
  }
}
