package dev.verge.bench.serve;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed loop of calls in this JVM: {@code threads} platform threads each call as fast as answers
 * come, timing every call. The same shape of load wrk puts on a server through its connections.
 */
final class InProcessLoad {
  private InProcessLoad() {}

  static Measurement run(int threads, Duration warmup, Duration duration, Callable<?> call)
      throws InterruptedException {
    loop(threads, warmup, call);
    return loop(threads, duration, call);
  }

  private static Measurement loop(int threads, Duration duration, Callable<?> call)
      throws InterruptedException {
    long[][] logs = new long[threads][];
    int[] counts = new int[threads];
    AtomicLong errors = new AtomicLong();
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    Thread[] workers = new Thread[threads];
    long started = System.nanoTime();
    long end = started + duration.toNanos();
    for (int t = 0; t < threads; t++) {
      int index = t;
      workers[t] =
          Thread.ofPlatform()
              .name("in-process-load-" + t)
              .start(
                  () -> {
                    long[] log = new long[1 << 14];
                    int n = 0;
                    long now = System.nanoTime();
                    while (now < end) {
                      try {
                        call.call();
                      } catch (Exception | Error e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, e);
                      }
                      long after = System.nanoTime();
                      if (n == log.length) {
                        log = Arrays.copyOf(log, n * 2);
                      }
                      log[n++] = after - now;
                      now = after;
                    }
                    logs[index] = log;
                    counts[index] = n;
                  });
    }
    for (Thread worker : workers) {
      worker.join();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    if (firstError.get() != null && errors.get() == sum(counts)) {
      throw new IllegalStateException("every in-process call failed", firstError.get());
    }
    long[] all = new long[sum(counts)];
    int at = 0;
    for (int t = 0; t < threads; t++) {
      System.arraycopy(logs[t], 0, all, at, counts[t]);
      at += counts[t];
    }
    Arrays.sort(all);
    return new Measurement(
        all.length, seconds, percentile(all, 50) / 1e3, percentile(all, 99) / 1e3, errors.get());
  }

  /** The nearest-rank percentile of sorted values; 0 for none. */
  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static int sum(int[] counts) {
    int sum = 0;
    for (int count : counts) {
      sum += count;
    }
    return sum;
  }
}
