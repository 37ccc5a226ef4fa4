package dev.verge.cli.demo;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps requests flowing to every agent while a rollout happens, one client thread per agent,
 * counting what succeeded and failed and which model version answered last.
 */
final class LoadGenerator implements AutoCloseable {
  /** What one agent's client saw. */
  static final class Counters {
    final AtomicLong succeeded = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong lastVersion = new AtomicLong();
    volatile String lastError;
  }

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  LoadGenerator(
      InferenceClient client, String model, List<URI> agents, List<Counters> counters, long seed) {
    for (int i = 0; i < agents.size(); i++) {
      URI agent = agents.get(i);
      Counters count = counters.get(i);
      Random random = new Random(seed + i);
      String prefix = "load-" + i + "-";
      threads.add(
          Thread.ofVirtual()
              .name("demo-load-" + i)
              .start(
                  () -> {
                    long n = 0;
                    while (running.get()) {
                      double[] reading = PumpModelTrainer.reading(random.nextBoolean(), random);
                      try {
                        InferenceClient.Prediction p =
                            client.predict(agent, model, reading, prefix + n++);
                        count.succeeded.incrementAndGet();
                        count.lastVersion.set(p.version());
                        // Pace the client like an application would, leaving CPU to the rollout.
                        Thread.sleep(4);
                      } catch (InterruptedException e) {
                        return;
                      } catch (Exception e) {
                        count.failed.incrementAndGet();
                        count.lastError = e.getMessage();
                      }
                    }
                  }));
    }
  }

  /** Stops the clients and waits for their last requests to finish. */
  @Override
  public void close() {
    running.set(false);
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
