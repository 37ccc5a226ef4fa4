package dev.verge.runtime;

/** Which ONNX Runtime execution provider runs the models, as configured. */
public enum ExecutionProvider {
  /** CUDA when the GPU build of ONNX Runtime and an NVIDIA GPU are both present, else the CPU. */
  AUTO,
  /** The CPU, always available. */
  CPU,
  /** CUDA on GPU 0; the engine refuses to start when it cannot have it. */
  CUDA
}
