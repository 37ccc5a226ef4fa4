package dev.verge.agent.sync;

import dev.verge.agent.internal.Backoff;
import dev.verge.agent.internal.Bandwidth;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.bundle.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps bundles in one folder by digest: {@code <digest>.vbundle} once whole and checked, {@code
 * <digest>.part} while downloading. A download that breaks off resumes where it stopped, with an
 * HTTP Range request; the whole file's SHA-256 must equal the digest before it is renamed, so a
 * {@code .vbundle} file always holds the bytes its name promises (a part is never loaded).
 *
 * <p>A try that brought bytes and then broke off (a cut, a stall) is resumed at once, after {@link
 * #RESUME_BACKOFF}'s first wait, as often as tries keep bringing bytes: a link cut every few MB
 * finishes in about the time its bytes take, and the device keeps showing DOWNLOADING. Only a
 * download that stops making progress goes back to the sync loop, whose back-off then applies.
 * Reads pass through the agent's download cap ({@link Bandwidth}) and a {@link StallWatch}.
 */
final class BundleDownloader {
  static final String BUNDLE_SUFFIX = ".vbundle";
  static final String PART_SUFFIX = ".part";

  /** Bundles this large or larger log their progress. */
  static final long PROGRESS_LOG_BYTES = 1024 * 1024;

  private static final System.Logger LOG = System.getLogger(BundleDownloader.class.getName());

  /**
   * The wait before resuming a download whose last try broke off: the first wait after a try that
   * brought bytes, doubling for each try in a row that brought none.
   */
  static final Backoff RESUME_BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8));

  /** After a try that brought bytes, this many tries in a row without any go on resuming. */
  static final int MAX_TRIES_WITHOUT_PROGRESS = 1;

  private final HubClient hub;
  private final Path folder;
  private final SyncMetrics metrics;
  private final Duration stallTimeout;
  private final Bandwidth bandwidth;

  BundleDownloader(HubClient hub, Path folder) {
    this(hub, folder, SyncMetrics.NONE, DownloadLimits.defaults());
  }

  BundleDownloader(HubClient hub, Path folder, SyncMetrics metrics, DownloadLimits limits) {
    this.hub = hub;
    this.folder = folder;
    this.metrics = metrics;
    this.stallTimeout = limits.idleTimeout();
    this.bandwidth = Bandwidth.of(limits.maxBytesPerSecond());
  }

  Path bundlePath(String digest) {
    return folder.resolve(digest + BUNDLE_SUFFIX);
  }

  Path partPath(String digest) {
    return folder.resolve(digest + PART_SUFFIX);
  }

  Path fetch(DesiredModel desired) {
    return fetch(desired, DownloadWatch.NONE);
  }

  /**
   * The kept bundle of {@code desired}, downloaded first when absent.
   *
   * @param watch told when a download from the hub starts (not when the bundle is kept), and asked
   *     while it runs whether it is still wanted
   * @throws ActivationException DOWNLOAD (a partial file is kept for resuming; {@link
   *     ActivationException#retryable} when the hub or the link failed) or DIGEST
   */
  Path fetch(DesiredModel desired, DownloadWatch watch) {
    String digest = desired.bundleDigest();
    Path bundle = bundlePath(digest);
    if (Files.exists(bundle)) {
      return bundle;
    }
    Path part = partPath(digest);
    try {
      long have = Files.exists(part) ? Files.size(part) : 0;
      long size = desired.bundleSize();
      if (size > 0 && have > size) {
        Files.delete(part);
        have = 0;
      }
      if (size <= 0 || have < size) {
        watch.started();
        downloadResuming(desired, part, have, watch);
      }
      // else: a whole part that a crash kept from being renamed; its digest decides.
      long got = Files.size(part);
      if (size > 0 && got != size) {
        Files.delete(part);
        throw new ActivationException(
            Check.DIGEST,
            "bundle for "
                + describe(desired)
                + " is "
                + got
                + " bytes, the desired state says "
                + size);
      }
      String actual = Digests.sha256Hex(part);
      if (!actual.equals(digest)) {
        Files.delete(part);
        throw new ActivationException(
            Check.DIGEST,
            "bundle downloaded for "
                + describe(desired)
                + " has SHA-256 "
                + actual
                + ", the desired state says "
                + digest);
      }
      Files.move(part, bundle, StandardCopyOption.ATOMIC_MOVE);
      return bundle;
    } catch (IOException e) {
      throw new ActivationException(
          Check.DOWNLOAD, "cannot write bundle " + part + ": " + e.getMessage(), e);
    }
  }

  /**
   * Tries, and resumes, while tries bring bytes; gives up with the last try's failure when one is
   * refused, superseded or interrupted, or when tries stop bringing bytes.
   */
  private void downloadResuming(DesiredModel desired, Path part, long have, DownloadWatch watch)
      throws IOException {
    Backoff.Tries tries = RESUME_BACKOFF.tries();
    boolean progressed = false;
    long from = have;
    // Progress is a part longer than ever before in this fetch: a hub that restarts the bundle
    // from byte 0 (no Range, a 416) and breaks off at the same place again makes none.
    long furthest = have;
    while (true) {
      try {
        download(desired, part, from, watch);
        return;
      } catch (ActivationException e) {
        if (!e.retryable() || watch.superseded() || Thread.currentThread().isInterrupted()) {
          throw e;
        }
        from = Files.exists(part) ? Files.size(part) : 0;
        if (from > furthest) {
          furthest = from;
          progressed = true;
          tries.reset();
          watch.progressed();
        }
        Duration wait = tries.failed();
        if (!progressed || tries.failures() > MAX_TRIES_WITHOUT_PROGRESS + 1) {
          throw e;
        }
        LOG.log(
            System.Logger.Level.INFO,
            "{0}; resuming at byte {1} in {2} ms",
            e.getMessage(),
            Long.toString(from),
            Long.toString(wait.toMillis()));
        watch.resuming(e.getMessage());
        try {
          Thread.sleep(wait);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** One attempt, told to the metrics however it ends. */
  private void download(DesiredModel desired, Path part, long have, DownloadWatch wanted)
      throws IOException {
    AtomicLong received = new AtomicLong();
    boolean complete = false;
    try {
      transfer(desired, part, have, received, wanted);
      complete = true;
    } finally {
      metrics.downloaded(complete, received.get());
    }
  }

  private void transfer(
      DesiredModel desired, Path part, long have, AtomicLong received, DownloadWatch wanted)
      throws IOException {
    BundleStream stream;
    try {
      stream = open(desired, have);
    } catch (HubException e) {
      throw new ActivationException(Check.DOWNLOAD, e.getMessage(), e, isTransient(e));
    }
    long start = stream.start();
    if (start > have) {
      stream.body().close();
      throw new ActivationException(
          Check.DOWNLOAD,
          "hub resumed bundle " + desired.bundleDigest() + " at byte " + start + ", not " + have);
    }
    if (start > 0) {
      LOG.log(
          System.Logger.Level.INFO,
          "resuming download of {0} at byte {1}",
          describe(desired),
          Long.toString(start));
    }
    long size = desired.bundleSize();
    long written = start;
    Progress progress = new Progress(describe(desired), size);
    boolean oversized = false;
    AtomicLong progressed = new AtomicLong(start);
    StallWatch watch =
        new StallWatch(stream.body(), stallTimeout, progressed::get, wanted::superseded);
    try (watch;
        InputStream in = bandwidth.throttle(stream.body());
        FileChannel out =
            FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      out.truncate(start);
      out.position(start);
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        if (n == 0) {
          continue;
        }
        if (size > 0 && written + n > size) {
          oversized = true;
          break;
        }
        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
        written += n;
        received.addAndGet(n);
        progressed.set(written);
        progress.update(written);
      }
      if (watch.stalled() || watch.superseded()) {
        throw new IOException("stopped");
      }
      out.force(true);
    } catch (IOException e) {
      if (watch.superseded()) {
        throw new ActivationException(
            Check.DOWNLOAD,
            "download of "
                + describe(desired)
                + " stopped after "
                + written
                + (size > 0 ? " of " + size : "")
                + " bytes: the hub now asks for another version of "
                + desired.name()
                + "; it resumes from there if asked again",
            e,
            true);
      }
      throw new ActivationException(
          Check.DOWNLOAD,
          "download of "
              + describe(desired)
              + " broke off after "
              + written
              + (size > 0 ? " of " + size : "")
              + " bytes ("
              + (watch.stalled()
                  ? "no byte arrived for " + text(stallTimeout)
                  : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
              + "); it resumes from there",
          e,
          true);
    }
    if (oversized) {
      Files.delete(part);
      throw new ActivationException(
          Check.DIGEST,
          "bundle for " + describe(desired) + " is larger than the " + size + " bytes announced");
    }
    if (size > 0 && written < size) {
      throw new ActivationException(
          Check.DOWNLOAD,
          "download of "
              + describe(desired)
              + " ended after "
              + written
              + " of "
              + size
              + " bytes; it resumes from there",
          null,
          true);
    }
  }

  /** Opens the download at {@code have}; a part the hub cannot resume starts over. */
  private BundleStream open(DesiredModel desired, long have) throws IOException {
    try {
      return hub.openBundle(desired.bundleDigest(), have);
    } catch (HubRefusedException e) {
      if (e.status() != 416 || have == 0) {
        throw e;
      }
      Files.deleteIfExists(partPath(desired.bundleDigest()));
      return hub.openBundle(desired.bundleDigest(), 0);
    }
  }

  /**
   * Whether a failed call is worth repeating as it is: the hub or the link was down (network error,
   * time-out, 5xx), or the hub asked to come back later (408, 429). Other refusals (no such bundle,
   * a credential it does not know) need someone to act.
   */
  static boolean isTransient(HubException e) {
    return switch (e) {
      case HubUnavailableException unavailable -> true;
      case HubRefusedException refused -> refused.status() == 408 || refused.status() == 429;
    };
  }

  private static String text(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  private static String describe(DesiredModel desired) {
    return desired.name() + " v" + desired.version();
  }

  /** Logs each tenth of a large download once. */
  private static final class Progress {
    private final String what;
    private final long size;
    private int lastTenth;

    Progress(String what, long size) {
      this.what = what;
      this.size = size;
    }

    void update(long written) {
      if (size < PROGRESS_LOG_BYTES) {
        return;
      }
      int tenth = (int) Math.min(10, written * 10 / size);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        LOG.log(
            System.Logger.Level.INFO,
            "downloading {0}: {1}% of {2} bytes",
            what,
            Integer.toString(tenth * 10),
            Long.toString(size));
      }
    }
  }
}
