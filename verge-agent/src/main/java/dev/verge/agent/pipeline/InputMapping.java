package dev.verge.agent.pipeline;

import dev.verge.core.oip.DataType;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How one reading becomes the model's input: the named fields, in order, each scaled and shifted,
 * as one row of the input tensor ({@code [1, features]} for a model that takes a batch, {@code
 * [features]} for one that takes a vector).
 *
 * @param name the model's input; null for its only one
 * @param datatype the input's element type; null for the model's (FP32, FP64, INT32 or INT64)
 * @param features the fields, in the order of the input's columns
 */
public record InputMapping(String name, DataType datatype, List<Feature> features) {
  /** The element types a reading's numbers are written as. */
  public static final Set<DataType> DATATYPES =
      Set.of(DataType.FP32, DataType.FP64, DataType.INT32, DataType.INT64);

  /**
   * One column: {@code field × scale + offset}.
   *
   * @param field the reading's field
   */
  public record Feature(String field, double scale, double offset) {
    public Feature {
      Objects.requireNonNull(field, "field");
      if (field.isBlank()) {
        throw new IllegalArgumentException("a feature needs a field name");
      }
      if (!Double.isFinite(scale) || !Double.isFinite(offset)) {
        throw new IllegalArgumentException(
            "feature '" + field + "': scale and offset must be finite numbers");
      }
    }

    public static Feature of(String field) {
      return new Feature(field, 1, 0);
    }
  }

  public InputMapping {
    features = List.copyOf(Objects.requireNonNull(features, "features"));
    if (features.isEmpty()) {
      throw new IllegalArgumentException("input.features needs at least one field");
    }
    if (datatype != null && !DATATYPES.contains(datatype)) {
      throw new IllegalArgumentException(
          "input.datatype " + datatype + " is not one of FP32, FP64, INT32, INT64");
    }
    Set<String> seen = new HashSet<>();
    for (Feature feature : features) {
      if (!seen.add(feature.field())) {
        throw new IllegalArgumentException("input.features lists '" + feature.field() + "' twice");
      }
    }
  }
}
