package dev.verge.core.oip;

import java.util.List;
import java.util.Objects;

/**
 * A model input or output as metadata: name, element type and shape, {@code -1} for a dynamic
 * dimension. The same shape appears in bundle manifests and in the protocol's model metadata.
 */
public record TensorSpec(String name, DataType datatype, List<Long> shape) {
  public TensorSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(datatype, "datatype");
    shape = List.copyOf(shape);
  }

  /** Whether {@code actual} fits this spec's shape (dynamic dimensions match anything). */
  public boolean accepts(long[] actual) {
    if (actual.length != shape.size()) {
      return false;
    }
    for (int i = 0; i < actual.length; i++) {
      long want = shape.get(i);
      if (want >= 0 && want != actual[i]) {
        return false;
      }
    }
    return true;
  }
}
