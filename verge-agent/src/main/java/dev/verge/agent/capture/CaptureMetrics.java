package dev.verge.agent.capture;

import java.time.Duration;

/** Told what prediction capture did, for the agent's metrics. */
public interface CaptureMetrics {
  CaptureMetrics NONE =
      new CaptureMetrics() {
        @Override
        public void committed(int records, Duration took, Duration oldestWaited) {}

        @Override
        public void sampledOut() {}

        @Override
        public void rateLimited() {}

        @Override
        public void waitedForRoom() {}

        @Override
        public void dropped(String reason, int count) {}

        @Override
        public void dataOmitted() {}

        @Override
        public void writerFailed() {}
      };

  /**
   * The writer committed one transaction holding {@code records} predictions (0: counters), which
   * took {@code took} from its first statement to its commit returning; its oldest record had
   * waited {@code oldestWaited} since capture took it (zero without records). A power cut in {@code
   * buffered} mode loses what was answered within about that long.
   */
  void committed(int records, Duration took, Duration oldestWaited);

  /** A served request left no record: its model's sample rate passed it over. */
  void sampledOut();

  /** A served request left no record: its model's records-a-second limit was reached. */
  void rateLimited();

  /** A request found the queue full and waited for room. */
  void waitedForRoom();

  /**
   * {@code count} answered predictions will never be recorded: {@code queue_full} (the queue was
   * full and capture drops then), {@code capture_failed} (the writer could not write them after
   * retrying) or {@code closed} (the agent stopped before the store took them).
   */
  void dropped(String reason, int count);

  /** A record exceeded its model's size cap and keeps its tensors' shapes without their data. */
  void dataOmitted();

  /** One round of the writer failed; it goes on with the next. */
  void writerFailed();
}
