package dev.verge.agent.serving;

/** Told of every inference request that reached a model version, for the agent's metrics. */
public interface ServingMetrics {
  ServingMetrics NONE =
      new ServingMetrics() {
        @Override
        public void answered(String model, long version, long nanos) {}

        @Override
        public void failed(String model, long version, long nanos) {}
      };

  /** The version answered (its prediction recorded) after {@code nanos}. */
  void answered(String model, long version, long nanos);

  /** The version was asked but the request failed: bad input, engine or store failure. */
  void failed(String model, long version, long nanos);
}
