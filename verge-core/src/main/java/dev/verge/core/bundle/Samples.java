package dev.verge.core.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import dev.verge.core.oip.InferInput;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorCodec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A bundle's sample file: inputs the model can run on and the outputs they must give, in the Open
 * Inference Protocol's JSON tensor form, so a request body's {@code inputs} and a response's {@code
 * outputs} can be pasted in:
 *
 * <pre>{@code
 * {"tolerance": {"absolute": 1e-5, "relative": 1e-4},
 *  "samples": [{"id": "speech",
 *               "inputs":  [{"name": "input", "datatype": "FP32", "shape": [1, 512], "data": [...]}],
 *               "outputs": [{"name": "output", "datatype": "FP32", "shape": [1, 1], "data": [0.93]}]}]}
 * }</pre>
 *
 * <p>{@code tolerance} (file-wide, or per sample) and a sample's {@code id} and {@code outputs} are
 * optional. Unknown fields are refused: a misspelt {@code "output"} would otherwise turn a check
 * into none. The file is listed in the manifest like any file, so its digest, and through the
 * manifest the publisher's signature, cover it.
 */
public record Samples(List<Sample> samples) {
  /** The name the sample file has inside a bundle. */
  public static final String FILE_NAME = "samples.json";

  /** Larger sample files are refused before they are read. */
  public static final long MAX_BYTES = 64L * 1024 * 1024;

  /** Each sample runs at every install, so their number is kept small. */
  public static final int MAX_SAMPLES = 32;

  private static final Set<String> FILE_FIELDS = Set.of("tolerance", "samples");
  private static final Set<String> SAMPLE_FIELDS = Set.of("id", "inputs", "outputs", "tolerance");
  private static final Set<String> TOLERANCE_FIELDS = Set.of("absolute", "relative");

  public Samples {
    samples = List.copyOf(samples);
  }

  /**
   * Reads a sample file.
   *
   * @param where how messages name the file, e.g. {@code samples.json of pump v3}
   * @throws BundleException {@link BundleProblem#INVALID_SAMPLES} naming the file, sample and
   *     tensor that are wrong
   */
  public static Samples parse(byte[] json, String where) {
    if (json.length > MAX_BYTES) {
      throw invalid(
          where + " is " + json.length + " bytes, more than the " + MAX_BYTES + " allowed");
    }
    JsonNode root;
    try {
      root = Json.tree(json);
    } catch (JsonFormatException e) {
      throw invalid(where + " is " + e.getMessage());
    }
    if (!root.isObject()) {
      throw invalid(where + " is not a JSON object with a \"samples\" list");
    }
    requireKnown(root, FILE_FIELDS, where);
    Tolerance common = tolerance(root.get("tolerance"), Tolerance.DEFAULT, where);
    JsonNode list = root.get("samples");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw invalid(where + " has no \"samples\" list, or an empty one");
    }
    if (list.size() > MAX_SAMPLES) {
      throw invalid(
          where + " holds " + list.size() + " samples, more than the " + MAX_SAMPLES + " allowed");
    }
    List<Sample> samples = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode node = list.get(i);
      String label = where + ", sample " + (i + 1);
      if (!node.isObject()) {
        throw invalid(label + " is not a JSON object");
      }
      requireKnown(node, SAMPLE_FIELDS, label);
      JsonNode idNode = node.get("id");
      if (idNode != null && (!idNode.isTextual() || idNode.textValue().isBlank())) {
        throw invalid(label + ": \"id\" must be a non-empty string");
      }
      String id = idNode == null ? "#" + (i + 1) : idNode.textValue();
      if (!ids.add(id)) {
        throw invalid(where + " has two samples with id '" + id + "'");
      }
      label = where + ", sample '" + id + "'";
      List<Tensor> inputs = tensors(node.get("inputs"), "inputs", label, true);
      List<Tensor> outputs = tensors(node.get("outputs"), "outputs", label, false);
      Tolerance tolerance = tolerance(node.get("tolerance"), common, label);
      samples.add(new Sample(id, inputs, outputs, tolerance));
    }
    return new Samples(samples);
  }

  private static List<Tensor> tensors(JsonNode node, String field, String label, boolean needed) {
    if (node == null || node.isNull()) {
      if (needed) {
        throw invalid(label + " has no \"" + field + "\"");
      }
      return List.of();
    }
    if (!node.isArray() || (needed && node.isEmpty())) {
      throw invalid(label + ": \"" + field + "\" must be a list of tensors");
    }
    List<Tensor> tensors = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (JsonNode element : node) {
      Tensor tensor;
      try {
        tensor = TensorCodec.decode(Json.convert(element, InferInput.class));
      } catch (JsonFormatException | ProtocolException e) {
        String detail = e.getMessage();
        if (field.equals("outputs")) {
          detail = detail.replaceFirst("\\binput\\b", "output");
        }
        throw invalid(label + ", " + field + ": " + detail);
      }
      if (!names.add(tensor.name())) {
        throw invalid(label + ": \"" + field + "\" names '" + tensor.name() + "' twice");
      }
      tensors.add(tensor);
    }
    return tensors;
  }

  private static Tolerance tolerance(JsonNode node, Tolerance fallback, String label) {
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (!node.isObject()) {
      throw invalid(label + ": \"tolerance\" must be an object with absolute and/or relative");
    }
    requireKnown(node, TOLERANCE_FIELDS, label + ", tolerance");
    double absolute = number(node.get("absolute"), fallback.absolute(), label);
    double relative = number(node.get("relative"), fallback.relative(), label);
    try {
      return new Tolerance(absolute, relative);
    } catch (IllegalArgumentException e) {
      throw invalid(label + ": " + e.getMessage());
    }
  }

  private static double number(JsonNode node, double fallback, String label) {
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (!node.isNumber()) {
      throw invalid(label + ": tolerance values must be numbers, got " + node);
    }
    return node.doubleValue();
  }

  private static void requireKnown(JsonNode node, Set<String> known, String label) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!known.contains(field.getKey())) {
        throw invalid(
            label
                + " has unknown field \""
                + field.getKey()
                + "\" (known: "
                + known.stream().sorted().toList()
                + ")");
      }
    }
  }

  private static BundleException invalid(String message) {
    return new BundleException(BundleProblem.INVALID_SAMPLES, message);
  }
}
