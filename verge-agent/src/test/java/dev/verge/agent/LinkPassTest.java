package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The link pass of an agent asleep between cycles, with steps that fail, hang or throw. */
class LinkPassTest {
  private final List<LinkPass.Outcome> outcomes = new CopyOnWriteArrayList<>();
  private final LinkPass.Observer observer =
      new LinkPass.Observer() {
        @Override
        public void ended(long pass, LinkPass.Outcome outcome) {
          outcomes.add(outcome);
        }
      };

  private static LinkPass.Step counting(String name, AtomicInteger runs) {
    return new LinkPass.Step(
        name,
        () -> {
          runs.incrementAndGet();
          return null;
        });
  }

  @Test
  void a_step_that_throws_an_error_or_fails_does_not_keep_the_next_step_or_pass_from_running()
      throws InterruptedException {
    AtomicInteger forwarded = new AtomicInteger();
    LinkPass link =
        new LinkPass(
            List.of(
                new LinkPass.Step(
                    "sync",
                    () -> {
                      throw new OutOfMemoryError("Java heap space");
                    }),
                new LinkPass.Step("events", () -> "the hub answered 503"),
                counting("predictions", forwarded)),
            Duration.ofSeconds(5),
            observer);

    LinkPass.Outcome first = link.runPass();
    LinkPass.Outcome second = link.runPass();

    assertThat(first)
        .isEqualTo(
            new LinkPass.Outcome.Done(
                List.of("sync: Java heap space", "events: the hub answered 503")));
    assertThat(second).isEqualTo(first);
    assertThat(forwarded).hasValue(2);
    assertThat(outcomes).containsExactly(first, second);
  }

  @Test
  void a_pass_that_runs_past_the_link_time_out_is_interrupted_and_the_next_pass_runs()
      throws InterruptedException {
    AtomicBoolean interrupted = new AtomicBoolean();
    AtomicInteger hangs = new AtomicInteger();
    AtomicInteger after = new AtomicInteger();
    CountDownLatch never = new CountDownLatch(1);
    LinkPass link =
        new LinkPass(
            List.of(
                new LinkPass.Step(
                    "sync",
                    () -> {
                      if (hangs.getAndIncrement() > 0) {
                        return null;
                      }
                      try {
                        never.await(); // a link that stalls
                      } catch (InterruptedException e) {
                        interrupted.set(true);
                        Thread.currentThread().interrupt();
                      }
                      return "interrupted";
                    }),
                counting("predictions", after)),
            Duration.ofSeconds(1),
            observer);

    long started = System.nanoTime();
    LinkPass.Outcome first = link.runPass();
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    LinkPass.Outcome second = link.runPass();

    assertThat(first).isEqualTo(new LinkPass.Outcome.TimedOut("sync"));
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(interrupted).isTrue();
    // The interrupted pass ran no later step; the next pass ran them all.
    assertThat(second).isEqualTo(new LinkPass.Outcome.Done(List.of()));
    assertThat(after).hasValue(1);
  }

  @Test
  void the_link_thread_waits_with_no_time_out_and_folds_requests_during_a_pass_into_one()
      throws InterruptedException {
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch inFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LinkPass link =
        new LinkPass(
            List.of(
                new LinkPass.Step(
                    "sync",
                    () -> {
                      if (runs.incrementAndGet() == 1) {
                        inFirst.countDown();
                        try {
                          release.await();
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                      return null;
                    })),
            Duration.ofSeconds(30),
            observer);
    link.start();
    try {
      Eventually.await(
          "the link thread waits untimed", () -> link.thread().getState() == Thread.State.WAITING);
      assertThat(runs).hasValue(0);

      link.request();
      inFirst.await();
      for (int i = 0; i < 5; i++) {
        link.request(); // five cycles end while the first pass runs
      }
      release.countDown();

      Eventually.await("two passes", () -> outcomes.size() == 2);
      Eventually.await(
          "asleep again, untimed", () -> link.thread().getState() == Thread.State.WAITING);
      assertThat(runs).hasValue(2);
    } finally {
      link.close();
    }
    assertThat(link.thread().isAlive()).isFalse();
  }
}
