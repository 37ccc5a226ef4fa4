package dev.verge.bench.serve;

/**
 * How a request's tensors travel over HTTP: the protocol's JSON, or its binary tensor extension.
 */
enum Tensors {
  JSON,
  BINARY;

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
