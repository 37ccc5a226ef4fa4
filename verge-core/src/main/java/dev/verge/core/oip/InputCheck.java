package dev.verge.core.oip;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks that decoded inputs fit a model's declared inputs, in the one place every engine and
 * server shares, so a client gets the same message naming the input whoever runs the model.
 */
public final class InputCheck {
  private InputCheck() {}

  /**
   * @throws ProtocolException naming the first input that is given twice, unknown, missing, of the
   *     wrong type or of a shape the model does not accept
   */
  public static void require(String model, List<TensorSpec> specs, List<Tensor> inputs) {
    Map<String, Tensor> byName = new HashMap<>();
    for (Tensor tensor : inputs) {
      if (byName.put(tensor.name(), tensor) != null) {
        throw new ProtocolException("input '" + tensor.name() + "' is given twice");
      }
    }
    for (String given : byName.keySet()) {
      if (!named(specs, given)) {
        throw new ProtocolException(
            "input '"
                + given
                + "' is not an input of model "
                + model
                + " (it has "
                + names(specs)
                + ")");
      }
    }
    for (TensorSpec spec : specs) {
      Tensor tensor = byName.get(spec.name());
      if (tensor == null) {
        throw new ProtocolException(
            "input '"
                + spec.name()
                + "' is missing (model "
                + model
                + " needs "
                + names(specs)
                + ")");
      }
      if (tensor.datatype() != spec.datatype()) {
        throw new ProtocolException(
            "input '"
                + spec.name()
                + "' must be "
                + spec.datatype()
                + ", got "
                + tensor.datatype());
      }
      if (!spec.accepts(tensor.shape())) {
        throw new ProtocolException(
            "input '"
                + spec.name()
                + "' must have shape "
                + spec.shape()
                + " (-1 = any), got "
                + TensorCodec.shapeText(tensor.shape()));
      }
    }
  }

  /**
   * The outputs to return, in the model's order: those {@code wanted}, or all when none is named.
   *
   * @throws ProtocolException naming a wanted output the model does not have
   */
  public static Set<String> selectOutputs(
      String model, List<TensorSpec> specs, Set<String> wanted) {
    for (String name : wanted) {
      if (!named(specs, name)) {
        throw new ProtocolException(
            "output '"
                + name
                + "' is not an output of model "
                + model
                + " (it has "
                + names(specs)
                + ")");
      }
    }
    Set<String> selected = new LinkedHashSet<>();
    for (TensorSpec spec : specs) {
      if (wanted.isEmpty() || wanted.contains(spec.name())) {
        selected.add(spec.name());
      }
    }
    return selected;
  }

  // Every request is checked: the names are listed only for an error's message.
  private static boolean named(List<TensorSpec> specs, String name) {
    for (TensorSpec spec : specs) {
      if (spec.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }
}
