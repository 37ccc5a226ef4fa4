package dev.verge.agent.sync;

import dev.verge.agent.store.InstallStep;

/**
 * Told each time an install's step is in the journal, on the installing thread: the place where a
 * test stops the agent between two steps, as a kill or a power cut would.
 */
@FunctionalInterface
public interface InstallObserver {
  InstallObserver NONE = (model, version, step) -> {};

  void reached(String model, long version, InstallStep step);
}
