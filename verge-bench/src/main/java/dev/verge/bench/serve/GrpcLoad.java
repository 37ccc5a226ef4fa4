package dev.verge.bench.serve;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A closed loop of gRPC unary calls, one call in flight per channel, each next call sent from the
 * callback of the last answer on the channel's event loop (channels built with a direct executor):
 * no thread per caller and no hand-off between threads per call, the way wrk drives its connections
 * from a few event-loop threads.
 */
final class GrpcLoad {
  /** Beyond the measured time, how long the calls still in flight may take to finish. */
  private static final Duration DRAIN = Duration.ofSeconds(10);

  private GrpcLoad() {}

  static <Q, A> Measurement run(
      List<? extends Channel> channels,
      MethodDescriptor<Q, A> method,
      Q request,
      Duration deadline,
      Duration warmup,
      Duration duration)
      throws InterruptedException {
    loop(channels, method, request, deadline, warmup);
    return loop(channels, method, request, deadline, duration);
  }

  private static <Q, A> Measurement loop(
      List<? extends Channel> channels,
      MethodDescriptor<Q, A> method,
      Q request,
      Duration deadline,
      Duration duration)
      throws InterruptedException {
    CountDownLatch finished = new CountDownLatch(channels.size());
    long started = System.nanoTime();
    long end = started + duration.toNanos();
    List<Caller<Q, A>> callers = new ArrayList<>();
    for (Channel channel : channels) {
      Caller<Q, A> caller = new Caller<>(channel, method, request, deadline, end, finished);
      callers.add(caller);
      caller.next();
    }
    if (!finished.await(duration.plus(deadline).plus(DRAIN).toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          "gRPC calls still in flight " + deadline.plus(DRAIN) + " after the measured time");
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    int total = 0;
    long errors = 0;
    Throwable firstError = null;
    for (Caller<Q, A> caller : callers) {
      total += caller.count;
      errors += caller.errors;
      firstError = firstError != null ? firstError : caller.firstError;
    }
    if (firstError != null && errors == total) {
      throw new IllegalStateException("every gRPC call failed", firstError);
    }
    long[] all = new long[total];
    int at = 0;
    for (Caller<Q, A> caller : callers) {
      System.arraycopy(caller.log, 0, all, at, caller.count);
      at += caller.count;
    }
    Arrays.sort(all);
    return new Measurement(
        total,
        seconds,
        InProcessLoad.percentile(all, 50) / 1e3,
        InProcessLoad.percentile(all, 99) / 1e3,
        errors);
  }

  /**
   * One connection's loop. Its fields are touched by one call's callback at a time (each call is
   * sent after the last one ended), and read after {@code finished} counts it down.
   */
  private static final class Caller<Q, A> implements StreamObserver<A> {
    private final Channel channel;
    private final MethodDescriptor<Q, A> method;
    private final Q request;
    private final Duration deadline;
    private final long end;
    private final CountDownLatch finished;
    long[] log = new long[1 << 14];
    int count;
    long errors;
    Throwable firstError;
    private long sent;
    private boolean sending;
    private boolean endedWhileSending;

    Caller(
        Channel channel,
        MethodDescriptor<Q, A> method,
        Q request,
        Duration deadline,
        long end,
        CountDownLatch finished) {
      this.channel = channel;
      this.method = method;
      this.request = request;
      this.deadline = deadline;
      this.end = end;
      this.finished = finished;
    }

    /**
     * Sends calls until the time is up; a call that ends inside its send loops here, not deeper.
     */
    void next() {
      while (true) {
        sent = System.nanoTime();
        if (sent >= end) {
          finished.countDown();
          return;
        }
        sending = true;
        try {
          ClientCalls.asyncUnaryCall(
              channel.newCall(
                  method,
                  CallOptions.DEFAULT.withDeadlineAfter(
                      deadline.toMillis(), TimeUnit.MILLISECONDS)),
              request,
              this);
        } catch (RuntimeException | Error e) {
          ended(e);
        }
        sending = false;
        if (!endedWhileSending) {
          return;
        }
        endedWhileSending = false;
      }
    }

    @Override
    public void onNext(A answer) {}

    @Override
    public void onError(Throwable t) {
      ended(t);
      if (!sending) {
        next();
      }
    }

    @Override
    public void onCompleted() {
      ended(null);
      if (!sending) {
        next();
      }
    }

    private void ended(Throwable failure) {
      if (failure != null) {
        errors++;
        firstError = firstError != null ? firstError : failure;
      }
      if (count == log.length) {
        log = Arrays.copyOf(log, count * 2);
      }
      log[count++] = System.nanoTime() - sent;
      if (sending) {
        endedWhileSending = true;
      }
    }
  }
}
