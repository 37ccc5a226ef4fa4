package dev.verge.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.FakeHub;
import dev.verge.agent.store.Identity;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.bundle.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleDownloaderTest {
  @TempDir Path dir;

  private final FakeHub hub = new FakeHub();
  private final HubClient client =
      new HubClient(hub.url()).as(new Identity(FakeHub.DEVICE_ID, FakeHub.CREDENTIAL));
  private final byte[] bytes = new byte[3 * 1024 * 1024 + 17];
  private BundleDownloader downloader;
  private DesiredModel desired;

  @BeforeEach
  void setUp() {
    new Random(7).nextBytes(bytes);
    desired = hub.model("pump", 1, bytes);
    downloader = new BundleDownloader(client, dir);
  }

  @AfterEach
  void tearDown() {
    client.close();
    hub.close();
  }

  @Test
  void downloads_and_keeps_the_bundle_by_digest() throws IOException {
    Path bundle = downloader.fetch(desired);

    assertThat(bundle).isEqualTo(dir.resolve(desired.bundleDigest() + ".vbundle"));
    assertThat(Files.readAllBytes(bundle)).isEqualTo(bytes);
    assertThat(downloader.partPath(desired.bundleDigest())).doesNotExist();
  }

  /**
   * Regression (issue 9, "a stalled download hangs sync"): a body that stops midway without closing
   * is given up after the idle time-out, its part kept for resuming; the download resumes by itself
   * once (the try brought bytes), and hands back to the sync loop when tries bring nothing more.
   */
  @Test
  void a_body_that_stops_midway_without_closing_is_given_up_after_the_idle_time_out()
      throws Exception {
    byte[] body = Arrays.copyOf(bytes, 1_000_000);
    DesiredModel stuck =
        new DesiredModel("pump", 1, Digests.sha256Hex(body), body.length, 1, false);
    Duration idle = Duration.ofMillis(300);
    try (StoppingServer stopping = new StoppingServer(body, 100_000);
        HubClient toStopping =
            new HubClient(stopping.url()).as(new Identity(FakeHub.DEVICE_ID, FakeHub.CREDENTIAL))) {
      BundleDownloader impatient =
          new BundleDownloader(
              toStopping, dir, SyncMetrics.NONE, DownloadLimits.defaults().withIdleTimeout(idle));
      Counting watch = new Counting();
      long started = System.nanoTime();

      Assertions.assertThatThrownBy(() -> impatient.fetch(stuck, watch))
          .isInstanceOfSatisfying(
              ActivationException.class,
              e -> {
                assertThat(e.retryable()).isTrue();
                assertThat(e.check()).isEqualTo(Check.DOWNLOAD);
                assertThat(e.getMessage())
                    .contains("broke off after 100000 of 1000000 bytes")
                    .contains("no byte arrived for 300 ms")
                    .contains("resumes");
              });

      // Three tries, each given up only after the idle time-out: never before it.
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(idle.multipliedBy(3));
      assertThat(stopping.ranges).containsExactly("-", "bytes=100000-", "bytes=100000-");
      assertThat(watch.progressed).isEqualTo(1);
      assertThat(watch.resumed).hasSize(2);
      assertThat(Files.size(impatient.partPath(stuck.bundleDigest()))).isEqualTo(100_000);
      assertThat(impatient.bundlePath(stuck.bundleDigest())).doesNotExist();
    }
  }

  @Test
  void a_download_that_stalls_after_progress_resumes_by_itself_until_whole() throws IOException {
    BundleDownloader impatient =
        new BundleDownloader(
            client,
            dir,
            SyncMetrics.NONE,
            DownloadLimits.defaults().withIdleTimeout(Duration.ofMillis(300)));
    hub.stallBundleAfter = 1_000_000; // of each answer: every try brings 1 MB, then stalls
    Counting watch = new Counting();
    try {
      Path bundle = impatient.fetch(desired, watch);

      assertThat(Files.readAllBytes(bundle)).isEqualTo(bytes);
    } finally {
      hub.stallBundleAfter = -1;
      hub.stallGate.countDown();
    }
    assertThat(hub.calls("GET", "/bundles/").stream().map(FakeHub.Call::range))
        .containsExactly(null, "bytes=1000000-", "bytes=2000000-", "bytes=3000000-");
    assertThat(watch.started).isEqualTo(1);
    assertThat(watch.resumed).hasSize(3).allMatch(r -> r.contains("no byte arrived for 300 ms"));
  }

  /**
   * Regression (issue 9, "each download interruption counts as a model failure"): 40 MB over a link
   * cut every 5 MB is one fetch of about eight tries, each resuming where the last broke off.
   */
  @Test
  void a_link_cut_every_5_mb_brings_40_mb_in_one_fetch() throws IOException {
    byte[] large = new byte[40 * 1024 * 1024];
    new Random(11).nextBytes(large);
    DesiredModel model = hub.model("pump", 2, large);
    hub.cutBundleEvery = 5 * 1024 * 1024;
    long started = System.nanoTime();

    Path bundle = downloader.fetch(model, new Counting());

    long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
    System.out.println("40 MB over a link cut every 5 MB: " + millis + " ms");
    assertThat(Files.readAllBytes(bundle)).isEqualTo(large);
    // A cut loses what was in flight, so a try brings a little under 5 MB: eight or nine tries.
    List<FakeHub.Call> tries = hub.calls("GET", "/bundles/");
    assertThat(tries).hasSizeBetween(8, 9);
    assertThat(tries.subList(1, tries.size())).allMatch(c -> c.status() == 206);
  }

  /** The cap holds: past the bucket's first second, bytes arrive no faster than the cap. */
  @Test
  void a_download_rate_cap_holds_the_download_to_it() throws IOException {
    long cap = 256 * 1024;
    byte[] body = Arrays.copyOf(bytes, (int) (3 * cap));
    DesiredModel model = hub.model("pump", 3, body);
    BundleDownloader capped =
        new BundleDownloader(
            client, dir, SyncMetrics.NONE, DownloadLimits.defaults().withMaxBytesPerSecond(cap));
    long started = System.nanoTime();

    Path bundle = capped.fetch(model);

    // A full bucket lets the first second's worth through at once; the other two take 2 s.
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1_900));
    assertThat(Files.readAllBytes(bundle)).isEqualTo(body);
  }

  /** Counts what the downloader tells the sync loop. */
  private static final class Counting implements DownloadWatch {
    int started;
    int progressed;
    final List<String> resumed = new ArrayList<>();

    @Override
    public void started() {
      started++;
    }

    @Override
    public boolean superseded() {
      return false;
    }

    @Override
    public void progressed() {
      progressed++;
    }

    @Override
    public void resuming(String reason) {
      resumed.add(reason);
    }
  }

  @Test
  void a_hub_that_is_unavailable_is_a_retryable_failure_and_a_missing_bundle_is_not() {
    hub.failBundleDownloads.set(1);
    Assertions.assertThatThrownBy(() -> downloader.fetch(desired))
        .isInstanceOfSatisfying(
            ActivationException.class,
            e -> {
              assertThat(e.retryable()).isTrue();
              assertThat(e.getMessage()).contains("503");
            });

    DesiredModel unknown = new DesiredModel("pump", 2, "ab".repeat(32), 10, 1, false);
    Assertions.assertThatThrownBy(() -> downloader.fetch(unknown))
        .isInstanceOfSatisfying(
            ActivationException.class,
            e -> {
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage()).contains("404");
            });
  }

  @Test
  void a_kept_bundle_is_not_downloaded_again() {
    downloader.fetch(desired);

    downloader.fetch(desired);

    assertThat(hub.calls("GET", "/bundles/")).hasSize(1);
  }

  @Test
  void resumes_a_partial_download_with_range() throws IOException {
    int have = 1_000_000;
    Files.write(downloader.partPath(desired.bundleDigest()), Arrays.copyOf(bytes, have));

    Path bundle = downloader.fetch(desired);

    FakeHub.Call call = hub.calls("GET", "/bundles/").getFirst();
    assertThat(call.range()).isEqualTo("bytes=" + have + "-");
    assertThat(call.status()).isEqualTo(206);
    assertThat(Files.readAllBytes(bundle)).isEqualTo(bytes);
  }

  @Test
  void starts_over_when_the_hub_ignores_range() throws IOException {
    Files.write(downloader.partPath(desired.bundleDigest()), Arrays.copyOf(bytes, 1000));
    hub.ignoreRange = true;

    Path bundle = downloader.fetch(desired);

    assertThat(hub.calls("GET", "/bundles/").getFirst().status()).isEqualTo(200);
    assertThat(Files.readAllBytes(bundle)).isEqualTo(bytes);
  }

  @Test
  void a_bundle_whose_digest_differs_is_deleted_and_refused() {
    byte[] other = bytes.clone();
    other[12345] ^= 1;
    hub.substitutes.put(desired.bundleDigest(), other);

    Assertions.assertThatThrownBy(() -> downloader.fetch(desired))
        .isInstanceOfSatisfying(
            ActivationException.class, e -> assertThat(e.check()).isEqualTo(Check.DIGEST))
        .hasMessageStartingWith("digest check failed: bundle downloaded for pump v1 has SHA-256");
    assertThat(downloader.partPath(desired.bundleDigest())).doesNotExist();
    assertThat(downloader.bundlePath(desired.bundleDigest())).doesNotExist();
  }

  @Test
  void a_short_download_is_kept_for_resuming() throws IOException {
    hub.substitutes.put(desired.bundleDigest(), Arrays.copyOf(bytes, 2_000_000));

    Assertions.assertThatThrownBy(() -> downloader.fetch(desired))
        .isInstanceOfSatisfying(
            ActivationException.class, e -> assertThat(e.check()).isEqualTo(Check.DOWNLOAD))
        .hasMessageContaining("ended after 2000000 of " + bytes.length + " bytes");
    assertThat(Files.size(downloader.partPath(desired.bundleDigest()))).isEqualTo(2_000_000);

    hub.substitutes.clear();
    Path bundle = downloader.fetch(desired);

    assertThat(hub.calls("GET", "/bundles/").getLast().range()).isEqualTo("bytes=2000000-");
    assertThat(Files.readAllBytes(bundle)).isEqualTo(bytes);
  }

  @Test
  void a_bundle_larger_than_announced_is_refused() {
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    hub.substitutes.put(desired.bundleDigest(), longer);

    Assertions.assertThatThrownBy(() -> downloader.fetch(desired))
        .isInstanceOf(ActivationException.class)
        .hasMessageContaining("is larger than the " + bytes.length + " bytes announced");
    assertThat(downloader.partPath(desired.bundleDigest())).doesNotExist();
  }

  @Test
  void a_missing_bundle_is_a_download_failure_with_the_hubs_reason() {
    DesiredModel missing = new DesiredModel("pump", 2, "0".repeat(64), 10, 1, false);

    Assertions.assertThatThrownBy(() -> downloader.fetch(missing))
        .isInstanceOf(ActivationException.class)
        .hasMessageStartingWith("download failed: ")
        .hasMessageContaining("404 no published bundle");
  }
}
