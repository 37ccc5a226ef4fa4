package dev.verge.agent.forward;

/** Told what forwarding did, for the agent's metrics. */
public interface ForwardMetrics {
  ForwardMetrics NONE =
      new ForwardMetrics() {
        @Override
        public void forwarded(int count) {}

        @Override
        public void setAside(int count) {}
      };

  /** The hub acknowledged {@code count} predictions. */
  void forwarded(int count);

  /** The hub refused {@code count} predictions on their own merits; they are no longer sent. */
  void setAside(int count);

  /** A batch of {@code jsonBytes} went to the hub as {@code wireBytes} (compressed or not). */
  default void uploaded(long jsonBytes, long wireBytes) {}
}
