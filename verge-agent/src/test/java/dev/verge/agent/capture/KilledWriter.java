package dev.verge.agent.capture;

import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.agent.store.StoreEvents;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The process {@link KillTest} kills: captures {@code count} predictions into {@code file} in
 * {@code mode}, prints how many were answered, then halts at once, as a kill would (no shutdown
 * hook, no close, nothing flushed).
 */
final class KilledWriter {
  private KilledWriter() {}

  public static void main(String[] args) {
    Path file = Path.of(args[0]);
    CaptureConfig.Mode mode = CaptureConfig.Mode.of(args[1]);
    int count = Integer.parseInt(args[2]);
    int queue = Integer.parseInt(args[3]);
    SqliteAgentStore store = SqliteAgentStore.open(file, 0, StoreEvents.NONE);
    PredictionCapture capture =
        PredictionCapture.start(
            store,
            CaptureConfig.defaults()
                .withMode(mode)
                .withQueue(queue, CaptureConfig.WhenFull.WAIT)
                .withPolicy(CapturePolicy.EVERY),
            CaptureMetrics.NONE);
    List<Tensor> outputs =
        List.of(new Tensor("p", DataType.FP32, new long[] {1, 2}, new float[] {0.1f, 0.9f}));
    int answered = 0;
    for (int i = 0; i < count; i++) {
      capture.served("pump", 1, "r" + i, Instant.now(), 1, List.of(), outputs);
      answered++;
    }
    System.out.println("answered " + answered);
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }
}
