package dev.verge.runtime;

import java.util.Objects;

/**
 * How the engine uses the machine.
 *
 * @param intraOpThreads threads one operator may use; 0 lets the runtime choose
 * @param interOpThreads threads that run independent operators in parallel; 0 lets the runtime
 *     choose
 * @param executionProvider where models run; {@link ExecutionProvider#AUTO} picks CUDA only when
 *     the GPU build of ONNX Runtime and a GPU are present
 * @param memoryArena ONNX Runtime's CPU memory arena and memory patterns: they keep every block a
 *     run allocated for the next run, so one large request leaves its peak resident for good. Off
 *     by default: blocks go back to the C allocator after each run (docs/benchmarks.md, "Agent
 *     footprint", measures both)
 */
public record EngineOptions(
    int intraOpThreads,
    int interOpThreads,
    ExecutionProvider executionProvider,
    boolean memoryArena) {
  public EngineOptions {
    if (intraOpThreads < 0 || interOpThreads < 0) {
      throw new IllegalArgumentException(
          "thread counts must be 0 (runtime's choice) or more, got intra="
              + intraOpThreads
              + " inter="
              + interOpThreads);
    }
    Objects.requireNonNull(executionProvider, "executionProvider");
  }

  /** The given threads, the default provider and memory use. */
  public EngineOptions(int intraOpThreads, int interOpThreads) {
    this(intraOpThreads, interOpThreads, ExecutionProvider.AUTO, false);
  }

  public static EngineOptions defaults() {
    return new EngineOptions(1, 1);
  }

  public EngineOptions withExecutionProvider(ExecutionProvider value) {
    return new EngineOptions(intraOpThreads, interOpThreads, value, memoryArena);
  }

  public EngineOptions withMemoryArena(boolean value) {
    return new EngineOptions(intraOpThreads, interOpThreads, executionProvider, value);
  }
}
