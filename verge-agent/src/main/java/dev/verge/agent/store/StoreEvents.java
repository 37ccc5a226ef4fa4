package dev.verge.agent.store;

/** Told what the store did with predictions, for the agent's metrics. */
public interface StoreEvents {
  StoreEvents NONE =
      new StoreEvents() {
        @Override
        public void recorded() {}

        @Override
        public void pruned(int count) {}
      };

  /** A served prediction was recorded. */
  void recorded();

  /** {@code count} predictions the hub already has were deleted to make room for new ones. */
  void pruned(int count);

  /**
   * {@code count} predictions the hub never got were deleted to make room for new ones: a metered
   * device keeps its newest predictions.
   */
  default void discarded(int count) {}
}
