package dev.verge.agent.internal;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A cap in bytes a second on what one direction of the device's link carries (bundle downloads,
 * prediction uploads): a token bucket holding at most one second's worth, shared by every stream it
 * wraps, so two transfers at once share the cap instead of doubling it. {@link #UNLIMITED} wraps
 * nothing.
 */
public final class Bandwidth {
  /** No cap: {@link #throttle} returns its stream unchanged. */
  public static final Bandwidth UNLIMITED = new Bandwidth(0, System::nanoTime);

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final long bytesPerSecond;
  private final LongSupplier nanoTime;
  private final ReentrantLock lock = new ReentrantLock();
  private double tokens;
  private long refilledAt;

  private Bandwidth(long bytesPerSecond, LongSupplier nanoTime) {
    this.bytesPerSecond = bytesPerSecond;
    this.nanoTime = nanoTime;
    this.tokens = bytesPerSecond;
    this.refilledAt = nanoTime.getAsLong();
  }

  /** A cap of {@code bytesPerSecond}; 0 for none. */
  public static Bandwidth of(long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException(
          "a bandwidth cap cannot be negative, got " + bytesPerSecond + " bytes/s");
    }
    return bytesPerSecond == 0 ? UNLIMITED : new Bandwidth(bytesPerSecond, System::nanoTime);
  }

  /** The cap in bytes a second; 0 for none. */
  public long bytesPerSecond() {
    return bytesPerSecond;
  }

  public boolean limited() {
    return bytesPerSecond > 0;
  }

  /**
   * Waits until {@code bytes} may pass. A request larger than the bucket passes once the bucket has
   * filled and leaves it in debt, so the average stays at the cap.
   *
   * @throws InterruptedException when interrupted while waiting
   */
  public void acquire(long bytes) throws InterruptedException {
    if (bytesPerSecond == 0 || bytes <= 0) {
      return;
    }
    long waitNanos;
    lock.lock();
    try {
      refill();
      double needed = Math.min(bytes, bytesPerSecond);
      waitNanos =
          tokens >= needed ? 0 : (long) ((needed - tokens) * NANOS_PER_SECOND / bytesPerSecond);
      tokens -= bytes;
    } finally {
      lock.unlock();
    }
    if (waitNanos > 0) {
      Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
    }
  }

  private void refill() {
    long now = nanoTime.getAsLong();
    tokens =
        Math.min(
            bytesPerSecond,
            tokens + (double) (now - refilledAt) * bytesPerSecond / NANOS_PER_SECOND);
    refilledAt = now;
  }

  /** {@code in}, its reads held to this cap. */
  public InputStream throttle(InputStream in) {
    if (!limited()) {
      return in;
    }
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          pass(1);
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        // Reads of at most a tenth of a second's worth keep the flow even.
        int n = super.read(b, off, (int) Math.min(len, Math.max(1, bytesPerSecond / 10)));
        if (n > 0) {
          pass(n);
        }
        return n;
      }
    };
  }

  /** {@code out}, its writes held to this cap. */
  public OutputStream throttle(OutputStream out) {
    if (!limited()) {
      return out;
    }
    return new FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        pass(1);
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        int step = (int) Math.max(1, bytesPerSecond / 10);
        for (int at = off; at < off + len; at += step) {
          int n = Math.min(step, off + len - at);
          pass(n);
          out.write(b, at, n);
        }
      }
    };
  }

  private void pass(int bytes) throws IOException {
    try {
      acquire(bytes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while held to " + bytesPerSecond + " bytes/s");
    }
  }

  /** For tests: a cap that reads time from {@code nanoTime}. */
  static Bandwidth of(long bytesPerSecond, LongSupplier nanoTime) {
    return new Bandwidth(bytesPerSecond, nanoTime);
  }

  @Override
  public String toString() {
    return limited() ? bytesPerSecond + " bytes/s" : "unlimited";
  }
}
