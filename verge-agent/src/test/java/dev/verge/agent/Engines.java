package dev.verge.agent;

import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.OnnxEngine;

/** One ONNX Runtime engine for the whole test run: its environment is process-wide anyway. */
public final class Engines {
  public static final OnnxEngine ONNX = new OnnxEngine(EngineOptions.defaults());

  private Engines() {}
}
