package dev.verge.core.api;

import dev.verge.core.oip.TensorSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A published model version as the management API shows it. */
public record ModelVersionView(
    String name,
    long version,
    String bundleDigest,
    long bundleSize,
    String publisherKeyId,
    Instant publishedAt,
    List<TensorSpec> inputs,
    List<TensorSpec> outputs,
    Map<String, String> metadata) {}
