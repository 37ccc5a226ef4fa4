package dev.verge.hub.model;

import dev.verge.core.api.ModelVersionView;
import dev.verge.core.oip.TensorSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A published version of a model: its bundle, who signed it, and its manifest's signature. */
public record ModelVersion(
    String name,
    long version,
    String bundleDigest,
    long bundleSize,
    String publisherKeyId,
    Instant publishedAt,
    List<TensorSpec> inputs,
    List<TensorSpec> outputs,
    Map<String, String> metadata) {
  public ModelVersion {
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
    outputs = outputs == null ? List.of() : List.copyOf(outputs);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  ModelVersionView view() {
    return new ModelVersionView(
        name,
        version,
        bundleDigest,
        bundleSize,
        publisherKeyId,
        publishedAt,
        inputs,
        outputs,
        metadata);
  }
}
