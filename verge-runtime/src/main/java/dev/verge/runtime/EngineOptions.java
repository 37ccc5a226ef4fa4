package dev.verge.runtime;

/**
 * How the engine uses the machine.
 *
 * @param intraOpThreads threads one operator may use; 0 lets the runtime choose
 * @param interOpThreads threads that run independent operators in parallel; 0 lets the runtime
 *     choose
 */
public record EngineOptions(int intraOpThreads, int interOpThreads) {
  public EngineOptions {
    if (intraOpThreads < 0 || interOpThreads < 0) {
      throw new IllegalArgumentException(
          "thread counts must be 0 (runtime's choice) or more, got intra="
              + intraOpThreads
              + " inter="
              + interOpThreads);
    }
  }

  public static EngineOptions defaults() {
    return new EngineOptions(1, 1);
  }
}
