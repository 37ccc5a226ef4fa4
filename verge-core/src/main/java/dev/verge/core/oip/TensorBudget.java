package dev.verge.core.oip;

/**
 * Asked before a request's tensor is allocated from its declared shape, so that a server can bound
 * the memory one request takes before it takes it. One instance per request when it adds up.
 */
@FunctionalInterface
public interface TensorBudget {
  /**
   * Lets every tensor through; the element limit of {@link TensorCodec#MAX_ELEMENTS} still holds.
   */
  TensorBudget UNLIMITED = (what, type, shape, bytes) -> {};

  /**
   * Called once per tensor, after its name, datatype and shape are checked and before its elements
   * are allocated or read.
   *
   * @param what the tensor as messages name it, e.g. {@code input 'x'}
   * @param bytes what its elements will take: element count × element size; for BYTES, 8 bytes a
   *     reference per element plus, for a binary section, the section's size
   * @throws RuntimeException of the caller's choosing to refuse it; it reaches the caller unchanged
   */
  void reserve(String what, DataType type, long[] shape, long bytes);
}
