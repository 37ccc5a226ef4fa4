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
 * @param memoryArena ONNX Runtime's CPU memory arena, on by default: it keeps the blocks a run
 *     allocated for the next run, and hands its free regions back after a run with large inputs and
 *     every 10 s ({@link ArenaRelease}), so one large request does not leave its peak resident.
 *     Off, every block goes through the C allocator (docs/benchmarks.md, "Agent footprint",
 *     measures both)
 * @param spinning whether ONNX Runtime's pool threads spin for a while after a run before they
 *     block ({@code session.intra_op.allow_spinning}, {@code session.inter_op.allow_spinning}): on
 *     by default, it saves a wake-up between the requests of a steady stream; an agent asleep
 *     between pipeline cycles turns it off. With one thread per pool (the default) there is no pool
 *     thread, and it changes nothing
 */
public record EngineOptions(
    int intraOpThreads,
    int interOpThreads,
    ExecutionProvider executionProvider,
    boolean memoryArena,
    boolean spinning) {
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
    this(intraOpThreads, interOpThreads, ExecutionProvider.AUTO, true, true);
  }

  public static EngineOptions defaults() {
    return new EngineOptions(1, 1);
  }

  public EngineOptions withExecutionProvider(ExecutionProvider value) {
    return new EngineOptions(intraOpThreads, interOpThreads, value, memoryArena, spinning);
  }

  public EngineOptions withMemoryArena(boolean value) {
    return new EngineOptions(intraOpThreads, interOpThreads, executionProvider, value, spinning);
  }

  public EngineOptions withSpinning(boolean value) {
    return new EngineOptions(intraOpThreads, interOpThreads, executionProvider, memoryArena, value);
  }
}
