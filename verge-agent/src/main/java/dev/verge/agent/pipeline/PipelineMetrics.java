package dev.verge.agent.pipeline;

/** Told what pipelines do, for the agent's metrics. */
public interface PipelineMetrics {
  PipelineMetrics NONE =
      new PipelineMetrics() {
        @Override
        public void cycle(String pipeline, String outcome) {}

        @Override
        public void readings(String pipeline, String outcome, int count) {}

        @Override
        public void action(String pipeline, String action, String outcome) {}
      };

  /** A cycle ended: {@code ok}, {@code failed} or {@code waiting} (its model is not served). */
  void cycle(String pipeline, String outcome);

  /** Readings: {@code predicted}, {@code rejected} (bad input) or {@code failed} (the model). */
  void readings(String pipeline, String outcome, int count);

  /**
   * An action ended: {@code action} is event, webhook or command; {@code outcome} ok, failed,
   * dropped (its queue or the event store was full) or cooling (a rule within its cooldown).
   */
  void action(String pipeline, String action, String outcome);
}
