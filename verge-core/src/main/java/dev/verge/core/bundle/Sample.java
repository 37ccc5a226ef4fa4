package dev.verge.core.bundle;

import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One publisher-made example of a model version: inputs to run and, optionally, the outputs they
 * must give. An agent runs it at install, so the version warms on data it can really run on and is
 * refused when it does not answer as its publisher said.
 *
 * @param id how messages name the sample
 * @param inputs every input the model needs
 * @param outputs the expected outputs; only these are compared, and none means "must run"
 * @param tolerance how far floating-point outputs may stray
 */
public record Sample(String id, List<Tensor> inputs, List<Tensor> outputs, Tolerance tolerance) {
  public Sample {
    Objects.requireNonNull(id, "id");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    Objects.requireNonNull(tolerance, "tolerance");
  }

  /** The names of the expected outputs, to ask the model for exactly those. */
  public Set<String> outputNames() {
    return outputs.stream().map(Tensor::name).collect(Collectors.toUnmodifiableSet());
  }

  /**
   * Compares what the model answered with the expected outputs.
   *
   * @return what differs, naming the sample, output and first differing element; empty when every
   *     expected output matches
   */
  public Optional<String> mismatch(List<Tensor> actual) {
    for (Tensor expected : outputs) {
      Optional<Tensor> found =
          actual.stream().filter(t -> t.name().equals(expected.name())).findFirst();
      if (found.isEmpty()) {
        return Optional.of(
            describe(expected)
                + ": the model answered no such output (it answered "
                + actual.stream().map(Tensor::name).toList()
                + ")");
      }
      Optional<String> problem = compare(expected, found.get());
      if (problem.isPresent()) {
        return Optional.of(describe(expected) + " " + problem.get());
      }
    }
    return Optional.empty();
  }

  private String describe(Tensor output) {
    return "sample '" + id + "', output '" + output.name() + "'";
  }

  private Optional<String> compare(Tensor expected, Tensor actual) {
    if (expected.datatype() != actual.datatype()) {
      return Optional.of("is " + actual.datatype() + ", expected " + expected.datatype());
    }
    if (!Arrays.equals(expected.shape(), actual.shape())) {
      return Optional.of(
          "has shape "
              + Arrays.toString(actual.shape())
              + ", expected "
              + Arrays.toString(expected.shape()));
    }
    DataType type = expected.datatype();
    boolean floating = type == DataType.FP32 || type == DataType.FP64;
    int n = expected.size();
    int differing = 0;
    int first = -1;
    double worst = 0;
    for (int i = 0; i < n; i++) {
      boolean same;
      if (floating) {
        double want = Array.getDouble(expected.data(), i);
        double got = Array.getDouble(actual.data(), i);
        same = tolerance.accepts(want, got);
        if (!same && !Double.isNaN(want - got)) {
          worst = Math.max(worst, Math.abs(want - got));
        }
      } else {
        same = Objects.equals(Array.get(expected.data(), i), Array.get(actual.data(), i));
      }
      if (!same) {
        differing++;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (differing == 0) {
      return Optional.empty();
    }
    StringBuilder message =
        new StringBuilder("differs at ")
            .append(differing)
            .append(" of ")
            .append(n)
            .append(" elements; element ")
            .append(first)
            .append(" is ")
            .append(text(type, actual.data(), first))
            .append(", expected ")
            .append(text(type, expected.data(), first));
    if (floating) {
      message.append(" (largest difference ");
      message.append(type == DataType.FP32 ? String.valueOf((float) worst) : String.valueOf(worst));
      message.append(", tolerance ");
      message.append(tolerance).append(')');
    }
    return Optional.of(message.toString());
  }

  private static String text(DataType type, Object data, int index) {
    Object value = Array.get(data, index);
    if (type == DataType.UINT8) {
      return Integer.toString(Byte.toUnsignedInt((Byte) value));
    }
    if (type == DataType.BYTES) {
      return "\"" + value + "\"";
    }
    return String.valueOf(value);
  }
}
