package dev.verge.agent.capture;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts what capture reports. */
final class CountingMetrics implements CaptureMetrics {
  record Commit(int records, Duration took, Duration oldestWaited) {}

  final AtomicInteger commits = new AtomicInteger();
  final List<Commit> commitsWithRecords = new CopyOnWriteArrayList<>();
  final AtomicInteger sampledOut = new AtomicInteger();
  final AtomicInteger rateLimited = new AtomicInteger();
  final AtomicInteger waits = new AtomicInteger();
  final AtomicInteger omitted = new AtomicInteger();
  final AtomicInteger writerFailures = new AtomicInteger();
  final Map<String, Integer> dropped = new ConcurrentHashMap<>();

  @Override
  public void committed(int records, Duration took, Duration oldestWaited) {
    commits.incrementAndGet();
    if (records > 0) {
      commitsWithRecords.add(new Commit(records, took, oldestWaited));
    }
  }

  @Override
  public void sampledOut() {
    sampledOut.incrementAndGet();
  }

  @Override
  public void rateLimited() {
    rateLimited.incrementAndGet();
  }

  @Override
  public void waitedForRoom() {
    waits.incrementAndGet();
  }

  @Override
  public void dropped(String reason, int count) {
    dropped.merge(reason, count, Integer::sum);
  }

  @Override
  public void dataOmitted() {
    omitted.incrementAndGet();
  }

  @Override
  public void writerFailed() {
    writerFailures.incrementAndGet();
  }
}
